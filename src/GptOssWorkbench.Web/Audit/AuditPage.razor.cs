namespace GptOssWorkbench.Web.Audit;

using GptOssWorkbench.Data.Audit;
using Microsoft.AspNetCore.Components;
using MudBlazor;

public partial class AuditPage
{
    private MudTable<AuditEntry>? _table;
    private string? _action, _actor;
    private DateTime? _from, _to;

    [Inject]
    private AuditLog Log { get; set; } = default!;

    private AuditFilter Filter => new(_action, _actor, ToDate(_from), ToDate(_to));

    private string CsvHref
    {
        get
        {
            var filter = Filter;
            var query = new Dictionary<string, string?>
            {
                ["action"] = filter.Action,
                ["actor"] = string.IsNullOrWhiteSpace(filter.Actor) ? null : filter.Actor,
                ["from"] = filter.From?.ToString("yyyy-MM-dd"),
                ["to"] = filter.To?.ToString("yyyy-MM-dd"),
            };
            return Microsoft.AspNetCore.WebUtilities.QueryHelpers.AddQueryString("admin/audit.csv",
                query.Where(p => p.Value is not null).ToDictionary(p => p.Key, p => p.Value));
        }
    }

    private async Task<TableData<AuditEntry>> LoadAsync(TableState state, CancellationToken cancellationToken)
    {
        var page = await Log.SearchAsync(Filter, state.Page * state.PageSize, state.PageSize, cancellationToken);
        return new TableData<AuditEntry> { Items = page.Rows, TotalItems = page.Total };
    }

    private async Task SetAsync(Action change)
    {
        change();
        if (_table is not null) await _table.ReloadServerData();
    }

    private static DateOnly? ToDate(DateTime? date) => date is { } d ? DateOnly.FromDateTime(d) : null;
}
