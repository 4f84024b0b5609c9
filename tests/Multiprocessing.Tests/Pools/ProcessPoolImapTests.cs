namespace Multiprocessing.Tests.Pools;

/// <summary>ProcessPool: Imap and ImapUnordered over a source that fails part-way.</summary>
public sealed class ProcessPoolImapTests
{
    [Theory]
    [InlineData(true, 1)]
    [InlineData(false, 2)]
    public void Imap_WhenTheSourceThrowsAtItem3_YieldsTheFirstResultsThenThrowsItsException(bool ordered, int chunkSize)
    {
        using var pool = new ProcessPool(new PoolOptions { WorkerCount = 2 });
        var got = new List<int>();
        IEnumerable<int> results = ordered
            ? pool.Imap(static (int x) => x * 10, ImapSources.ThrowsAtItem3(), chunkSize)
            : pool.ImapUnordered(static (int x) => x * 10, ImapSources.ThrowsAtItem3(), chunkSize);

        FormatException e = Assert.Throws<FormatException>(() =>
        {
            foreach (int r in results)
            {
                got.Add(r);
            }
        });

        Assert.Equal(ImapSources.SourceFailure, e.Message);
        Assert.Equal([0, 10, 20], ordered ? got : got.Order());
        Assert.Equal(7, pool.Apply(static () => 7)); // the pool carries on
    }
}
