using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.Messaging;

/// <summary>SharedQueue.Create(SharedQueueOptions), in the shape of Channels' BoundedChannelOptions.</summary>
public sealed class SharedQueueOptionsTests
{
    [Fact]
    public void EveryOption_MakesTheQueue_AChildOpensItByName()
    {
        string name = "opts-" + Guid.NewGuid().ToString("N");
        using SharedQueue<int> queue = SharedQueue.Create<int>(new SharedQueueOptions
        {
            MaxSize = 2,
            Capacity = 5000,
            Joinable = true,
            Name = name,
            Overflow = false,
        });

        Assert.Equal(name, queue.Name);
        Assert.Equal(2, queue.MaxSize);
        Assert.Equal(8192, queue.Capacity); // rounded up to a power of two
        Assert.True(queue.IsJoinable);
        Assert.False(queue.Overflows);

        using ChildProcess<int> child = ChildProcess.Start(static (string n) =>
        {
            using SharedQueue<int> opened = SharedQueue.Open<int>(n);
            opened.Put(7);
            return opened.MaxSize;
        }, name);
        Assert.Equal(2, child.ResultOrFail());
        Assert.Equal(7, queue.Get(Within.Deadline));
    }

    [Fact]
    public void Defaults_AreThoseOfTheParameters()
    {
        var options = new SharedQueueOptions();
        Assert.Equal(0, options.MaxSize);
        Assert.Equal(SharedQueue.DefaultCapacity, options.Capacity);
        Assert.False(options.Joinable);
        Assert.Null(options.Name);
        Assert.True(options.Overflow);

        using SharedQueue<string> queue = SharedQueue.Create<string>(options);
        using SharedQueue<string> byParameters = SharedQueue.Create<string>();
        Assert.Equal(byParameters.Capacity, queue.Capacity);
        Assert.Equal(byParameters.MaxSize, queue.MaxSize);
        Assert.Equal(byParameters.Overflows, queue.Overflows);
        Assert.Equal(byParameters.IsJoinable, queue.IsJoinable);
    }

    [Fact]
    public void BadValues_ThrowWhenSet_AndNullOptionsThrow()
    {
        var options = new SharedQueueOptions();
        Assert.Equal(nameof(SharedQueueOptions.MaxSize), Assert.Throws<ArgumentOutOfRangeException>(() => options.MaxSize = -1).ParamName);
        Assert.Equal(nameof(SharedQueueOptions.Capacity), Assert.Throws<ArgumentOutOfRangeException>(() => options.Capacity = 0).ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => options.Capacity = (1L << 34) + 1);
        Assert.Throws<ArgumentNullException>(() => SharedQueue.Create<int>((SharedQueueOptions)null!));
        Assert.Throws<ArgumentOutOfRangeException>(() => SharedQueue.Create<int>(maxSize: -1)); // the parameters are checked as before
    }
}
