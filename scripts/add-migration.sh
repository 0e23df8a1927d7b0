#!/usr/bin/env bash
# Adds one migration to BOTH providers' migration sets, so they never drift apart.
# Usage: scripts/add-migration.sh NameOfTheChange
set -euo pipefail
name=${1:?usage: scripts/add-migration.sh NameOfTheChange}
cd "$(dirname "$0")/.."
dotnet tool restore >/dev/null
project=src/Storyweave/Storyweave.csproj
dotnet ef migrations add "$name" --project "$project" --context SqliteStoryweaveDb --output-dir Data/Migrations/Sqlite
dotnet ef migrations add "$name" --project "$project" --context PostgresStoryweaveDb --output-dir Data/Migrations/Postgres --no-build
echo "Added migration $name for SQLite and PostgreSQL. The test suite checks that neither has pending model changes."
