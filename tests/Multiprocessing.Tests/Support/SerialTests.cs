namespace Multiprocessing.Tests.Support;

/// <summary>
/// Tests that must run while no other test runs: those that replace the process-global <see cref="Console.Out"/>
/// and <see cref="Console.Error"/> (children of other tests would write into them), and those that check that no
/// child process was started (children of other tests would be counted), and those that time a connection made
/// on this process's thread pool while other tests could starve it.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SerialTests
{
    public const string Name = "Serial: console capture and process counting";
}
