namespace GptOssWorkbench.Data.Workspaces;

/// <summary>
/// How much of the raw reasoning (the harmony analysis channel) a role may see. Raw chain-of-thought is unfiltered
/// model output, so a workspace may want to keep it from some people. Ordered from most to least permissive:
/// a user with several roles gets the lowest value among them.
/// </summary>
public enum ReasoningVisibility
{
    Shown = 0,

    /// <summary>Behind a warning that it is unfiltered model output; one click reveals it.</summary>
    Collapsed = 1,

    Hidden = 2,
}

/// <summary>The admin's setting for one role. A role without a row sees reasoning (<see cref="ReasoningVisibility.Shown"/>).</summary>
public class RoleReasoningPolicy
{
    /// <summary>One of <see cref="UserRoles"/>.</summary>
    public string Role { get; set; } = "";

    public ReasoningVisibility Visibility { get; set; }
}
