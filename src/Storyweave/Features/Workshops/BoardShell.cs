namespace Storyweave.Features.Workshops;

public sealed record BoardShell(int ProjectId, int WorkshopId);
