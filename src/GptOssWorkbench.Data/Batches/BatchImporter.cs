namespace GptOssWorkbench.Data.Batches;

/// <summary>
/// Turns an uploaded file into a stored batch: everything is read, validated and expanded in memory first,
/// and only then written, in one transaction. A bad file or matrix therefore leaves the database untouched.
/// Creating the items' runs and enqueueing them is the pipeline's job.
/// </summary>
public static class BatchImporter
{
    public static async Task<BatchJob> ImportAsync(WorkbenchDbContext db, Stream file, string fileName,
        BatchImportRequest request, BatchImportLimits limits, DateTime utcNow, CancellationToken cancellationToken = default)
    {
        var batchFile = BatchFileReader.Read(file, fileName, limits);
        var items = Expand(batchFile, request.Matrix, limits);

        var batch = new BatchJob
        {
            Name = string.IsNullOrWhiteSpace(request.Name) ? Path.GetFileNameWithoutExtension(fileName) : request.Name.Trim(),
            SourceFileName = Path.GetFileName(fileName),
            Status = BatchStatus.Queued,
            Matrix = request.Matrix,
            PromptCount = batchFile.Prompts.Count,
            ItemCount = items.Count,
            CreatedAt = utcNow,
            CreatedByUserId = request.CreatedByUserId,
            Items = items,
        };

        // Join the caller's transaction if there is one (e.g. the pipeline also creating the items' runs).
        var ownTransaction = db.Database.CurrentTransaction is null
            ? await db.Database.BeginTransactionAsync(cancellationToken)
            : null;
        await using (ownTransaction)
        {
            db.BatchJobs.Add(batch);
            await db.SaveChangesAsync(cancellationToken);
            if (ownTransaction is not null)
                await ownTransaction.CommitAsync(cancellationToken);
        }
        return batch;
    }

    private static List<BatchItem> Expand(BatchFile batchFile, BatchMatrix matrix, BatchImportLimits limits)
    {
        try
        {
            matrix.Validate();
        }
        catch (ArgumentException ex)
        {
            throw new BatchImportException(batchFile.FileName, null, "matrix", ex.Message, ex);
        }
        var itemCount = (long)batchFile.Prompts.Count * matrix.CellCount;
        if (itemCount > limits.MaxItems)
            throw new BatchImportException(batchFile.FileName, null, "matrix",
                $"{batchFile.Prompts.Count} prompts × {matrix.CellCount} matrix cells = {itemCount} items, over the limit of {limits.MaxItems}");
        return matrix.Expand(batchFile.Prompts);
    }
}
