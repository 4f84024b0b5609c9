using Multiprocessing.Pools;

namespace Multiprocessing;

public sealed partial class ProcessPool
{
    private readonly PoolFunctions functions = new(PoolFunctions.DefaultCapacity);

    /// <summary>The function of <paramref name="function"/>, encoded once per pool (see <see cref="PoolFunctions.For"/>).</summary>
    private PoolFunction FunctionFor(Delegate function) => functions.For(function);
}
