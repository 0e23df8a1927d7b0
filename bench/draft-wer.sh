#!/usr/bin/env bash
# Word error rate (WER) and real-time factor (RTF) of the automatic draft engines, through the app's own code path:
#   bench/draft-wer.sh [--seconds-of-speech N]
# Makes a known recording with espeak-ng (US English, sentences with pauses, about a minute), starts the real
# server on a new data folder, uploads it to a story over HTTP, asks for a draft with each engine the instance
# has (pocketsphinx always; whisper when STORYWEAVE_WHISPER_MODEL points to a ggml model), waits for it, and
# compares the draft's words with the known text (WER = word-level edit distance / reference words, after
# lower-casing and dropping punctuation). RTF = the job's processing time / the recording's length.
# espeak-ng speech is far cleaner than a real interview and far more robotic: treat WER as a floor for
# clean speech, not a prediction for real recordings. Run on an otherwise idle machine.
set -euo pipefail
cd "$(dirname "$0")/.."
fail() { printf '\nERROR: %s\n' "$*" >&2; exit 1; }
command -v espeak-ng >/dev/null || fail "espeak-ng is needed (sudo apt-get install espeak-ng)"
command -v ffmpeg >/dev/null || fail "ffmpeg is needed (sudo apt-get install ffmpeg)"

work=$(mktemp -d)
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
dotnet build src/Storyweave -c Release -v quiet -nologo >/dev/null || fail "the build failed"
app=(dotnet src/Storyweave/bin/Release/net10.0/storyweave.dll)

# The reference text: plain sentences an interview might hold, spoken with a pause after each.
cat > "$work/reference.txt" <<'EOF'
I moved to the city when I was nineteen and I did not know anyone.
The first winter was the hardest because the flat was cold and damp.
My mother phoned every Sunday and that kept me going.
I waited four months for an appointment at the hospital.
When I finally saw a doctor she listened to me properly.
A friend from work told me about the community garden.
We grew beans and potatoes and sometimes we just sat and talked.
The people there became a second family to me.
Now I help to run the Tuesday session for new volunteers.
If I could change one thing it would be the waiting.
EOF
i=0; parts=()
while IFS= read -r line; do
  espeak-ng -v en-us -s 140 -w "$work/p$i.wav" "$line"
  ffmpeg -v error -nostdin -y -i "$work/p$i.wav" -af "aresample=16000,apad=pad_dur=1" -ac 1 "$work/q$i.wav"
  parts+=(-i "$work/q$i.wav"); i=$((i + 1))
done < "$work/reference.txt"
ffmpeg -v error -nostdin -y "${parts[@]}" -filter_complex "concat=n=$i:v=0:a=1[out]" -map "[out]" -c:a pcm_s16le "$work/interview.wav"

data="$work/data"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
printf 'bench-password-123456\n' | "${app[@]}" user add --email bench@example.org --name Bench --role admin --password-stdin --data-dir "$data" >/dev/null
token=$("${app[@]}" token create --email bench@example.org --name bench --data-dir "$data" | tail -n 1)
"${app[@]}" serve --data-dir "$data" --urls "http://127.0.0.1:$port" --no-sample >"$work/server.log" 2>&1 &
server=$!
base="http://127.0.0.1:$port"
for _ in $(seq 100); do curl -fs "$base/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
api() { curl -fsS -H "Authorization: Bearer $token" -H 'Content-Type: application/json' "$@"; }
json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }

project=$(api -X POST "$base/api/projects" -d '{"name":"Draft benchmark"}' | json "['id']")
engines=(pocketsphinx)
[ -n "${STORYWEAVE_WHISPER_MODEL:-}" ] && engines+=(whisper)

printf '\n| Engine | Recording | Processing | RTF | Reference words | WER |\n|---|---|---|---|---|---|\n'
for engine in "${engines[@]}"; do
  teller=$(api -X POST "$base/api/projects/$project/storytellers" -d '{"name":"Sam Bench","contactPreference":"Email","email":"sam@example.org","recording":true,"analysis":true,"credit":"Anonymous","consentMethod":"RecordedVerbally"}' | json "['id']")
  story=$(api -X POST "$base/api/projects/$project/sessions" -d "{\"title\":\"Bench $engine\",\"date\":\"2026-01-01\",\"mode\":\"InPerson\",\"storytellerIds\":[$teller]}" | json "['storyId']")
  curl -fsS -H "Authorization: Bearer $token" -F "file=@$work/interview.wav;type=audio/wav" "$base/api/projects/$project/stories/$story/media" >/dev/null
  api -X POST "$base/api/projects/$project/stories/$story/transcript/draft" -d "{\"engine\":\"$engine\"}" >/dev/null
  while :; do
    job=$(api "$base/api/projects/$project/stories/$story/transcript/draft")
    [ "$(echo "$job" | json "['finished']")" = "True" ] && break
    sleep 1
  done
  [ "$(echo "$job" | json "['status']")" = "Written" ] || fail "$engine: $(echo "$job" | json "['message']")"
  api "$base/api/projects/$project/stories/$story" | python3 -c "import json,sys; print(' '.join(c['text'] for c in json.load(sys.stdin)['cues']))" > "$work/$engine.txt"
  JOB="$job" python3 - "$work/reference.txt" "$work/$engine.txt" "$engine" <<'EOF'
import json, os, re, sys
job = json.loads(os.environ["JOB"])
words = lambda path: re.sub(r"[^a-z0-9' ]", " ", open(path).read().lower()).split()
ref, hyp = words(sys.argv[1]), words(sys.argv[2])
d = list(range(len(hyp) + 1))
for i, r in enumerate(ref, 1):
    prev, d[0] = d[0], i
    for j, h in enumerate(hyp, 1):
        prev, d[j] = d[j], min(d[j] + 1, d[j - 1] + 1, prev + (r != h))
audio, elapsed = job["audioSeconds"], job["elapsedSeconds"]
print(f"| {sys.argv[3]} | {audio:.1f} s | {elapsed:.1f} s | {elapsed / audio:.2f} | {len(ref)} | {d[len(hyp)] / len(ref):.0%} |")
EOF
done
[ -n "${STORYWEAVE_WHISPER_MODEL:-}" ] || printf '\nwhisper: not measured (set STORYWEAVE_WHISPER_MODEL to a ggml model file to include it).\n'
printf '\nMachine: %s, %s cores, load average %s\n' "$(uname -m)" "$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)"
