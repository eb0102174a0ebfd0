namespace GptOssWorkbench.Data;

using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

/// <summary>
/// Keeps every stored DateTime in UTC with Kind=Utc: SQLite returns Kind=Unspecified, and Npgsql refuses to
/// write anything but Kind=Utc to a timestamptz column. Unspecified values are taken to be UTC already.
/// </summary>
public class UtcDateTimeConverter() : ValueConverter<DateTime, DateTime>(
    value => value.Kind == DateTimeKind.Local ? value.ToUniversalTime() : DateTime.SpecifyKind(value, DateTimeKind.Utc),
    value => DateTime.SpecifyKind(value, DateTimeKind.Utc));
