using System.Diagnostics.Metrics;
using System.Reflection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Multiprocessing.Tests.Pools;

/// <summary><see cref="ProcessPoolOptions(PoolOptions)"/>: every setting is copied (a setting added later and forgotten fails here).</summary>
public sealed class PoolOptionsCopyTests
{
    [Fact]
    public void ProcessPoolOptions_FromProcessPoolOptions_CopiesEverySetting()
    {
        using ServiceProvider services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var source = new ProcessPoolOptions
        {
            WorkerCount = 3,
            Initializer = static () => { },
            MaxTasksPerWorker = 7,
            TaskTimeout = TimeSpan.FromSeconds(11),
            MaxQueuedTasks = 13,
            WhenQueueFull = QueueFullBehavior.Throw,
            Name = "copied",
            MeterFactory = services.GetRequiredService<IMeterFactory>(),
            LoggerFactory = NullLoggerFactory.Instance,
            MaxMemoryPerWorker = 17,
            CancelGracePeriod = TimeSpan.FromSeconds(19),
            WorkerEnvironment = new Dictionary<string, string?> { ["MP_COPIED"] = "23" },
        };

        var copy = new ProcessPoolOptions(source);

        foreach (PropertyInfo p in typeof(ProcessPoolOptions).GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            object? value = p.GetValue(source);
            bool isDefault = value is null || (p.PropertyType.IsValueType && value.Equals(Activator.CreateInstance(p.PropertyType)));
            Assert.False(isDefault, $"the test leaves {p.Name} at its default: it would not see it left out of the copy");
            Assert.Equal(value, p.GetValue(copy));
        }
    }

    [Fact]
    public void ProcessPoolOptions_FromPoolOptions_CopiesTheCommonSettings_AndChangesWhatItsInitializerSets()
    {
        var source = new PoolOptions { WorkerCount = 2, Name = "common", TaskTimeout = TimeSpan.FromSeconds(5) };

        var copy = new ProcessPoolOptions(source) { Name = "changed", MaxMemoryPerWorker = 1 << 20 };

        Assert.Equal(2, copy.WorkerCount);
        Assert.Equal(TimeSpan.FromSeconds(5), copy.TaskTimeout);
        Assert.Equal("changed", copy.Name);
        Assert.Equal(1 << 20, copy.MaxMemoryPerWorker);
        Assert.Null(copy.CancelGracePeriod);
        Assert.Equal("common", source.Name);
        Assert.Throws<ArgumentNullException>(() => new ProcessPoolOptions(null!));
    }
}
