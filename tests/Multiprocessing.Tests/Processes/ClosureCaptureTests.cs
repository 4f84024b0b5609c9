using System.Linq.Expressions;
using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.Processes;

/// <summary>
/// A lambda carries only the captured variables it reads (issue #12 point 2): C# puts every local captured in a
/// scope into one closure shared by every lambda of the scope, so the work below shares its closure with a lambda
/// that captures something that cannot cross (a pool, a stream, a TaskCompletionSource); only what it reads is sent.
/// </summary>
public sealed class ClosureCaptureTests
{
    [Fact]
    public void ChildProcess_ALambdaReadingAnInt_RunsAlthoughItsScopeCapturesAStreamAndATaskCompletionSource()
    {
        var stopped = new TaskCompletionSource();
        using var log = new MemoryStream();
        int n = 41;
        Action other = () =>
        {
            log.WriteByte(1);
            stopped.TrySetResult();
        };

        using ChildProcess<int> child = ChildProcess.Start(() => n + 1);
        Assert.Equal(42, child.ResultOrFail());
        GC.KeepAlive(other);
    }

    [Fact]
    public async Task ProcessPool_ApplySubmitAndMap_RunALambdaReadingAnInt_AlthoughItsScopeCapturesThePool()
    {
        using var pool = new ProcessPool(new PoolOptions { WorkerCount = 1 });
        int n = 41;
        Action stop = () => pool.Terminate();

        Assert.Equal(42, pool.Apply(() => n + 1));
        Assert.Equal(43, await pool.Submit(() => n + 2));
        Assert.Equal([42, 43, 44], pool.Map((int x) => x + n, [1, 2, 3]));
        GC.KeepAlive(stop);
    }

    [Fact]
    public void NestedScopes_ALambdaReadingALoopVariableAndAnOuterLocal_GetsBoth()
    {
        using var pool = new ProcessPool(new PoolOptions { WorkerCount = 1 });
        var stopped = new TaskCompletionSource<int>();
        int outer = 1000;
        Action stop = () => pool.Terminate();
        var results = new List<int>();
        foreach (int i in new[] { 1, 2, 3 })
        {
            int local = i * 10;
            Action inner = () => stopped.TrySetResult(local + outer); // this scope's closure also reaches the outer one
            results.Add(pool.Apply(() => outer + local + i));
            GC.KeepAlive(inner);
        }

        for (int j = 0; j < 2; j++)
        {
            using ChildProcess<int> child = ChildProcess.Start(() => outer + j);
            results.Add(child.ResultOrFail());
        }

        Assert.Equal([1011, 1022, 1033, 1000, 1001], results);
        GC.KeepAlive(stop);
    }

    [Fact]
    public void ALambdaCallingALocalFunction_GetsWhatTheLocalFunctionReads()
    {
        using var pool = new ProcessPool(new PoolOptions { WorkerCount = 1 });
        int n = 6;
        string label = "sq";
        Action stop = () => pool.Terminate();

        int Square() => n * n;
        string Labelled(int x) => $"{label}={x}";

        Assert.Equal("sq=37", pool.Apply(() => Labelled(Square() + 1)));
        Assert.Equal(36, pool.Apply(Square)); // the local function itself as the delegate

        IEnumerable<int> UpTo()
        {
            for (int k = 1; k <= n; k++)
            {
                yield return k;
            }
        }

        Assert.Equal(21, pool.Apply(() => UpTo().Sum())); // an iterator: its state machine reads n
        GC.KeepAlive(stop);
    }

    [Fact]
    public void AnAsyncLambda_GetsWhatItsStateMachineReads()
    {
        using var pool = new ProcessPool(new PoolOptions { WorkerCount = 1 });
        int n = 7;
        Action stop = () => pool.Terminate();

        using ChildProcess<int> child = ChildProcess.Start(async () =>
        {
            await Task.Delay(10);
            return n;
        });
        Assert.Equal(7, child.ResultOrFail());
        GC.KeepAlive(stop);
    }

    [Fact]
    public void ALambdaBuildingAnExpressionTree_GetsTheCapturesTheTreeReads()
    {
        using var pool = new ProcessPool(new PoolOptions { WorkerCount = 1 });
        int n = 5;
        Action stop = () => pool.Terminate();

        Assert.Equal(6, pool.Apply(() =>
        {
            Expression<Func<int>> plusOne = () => n + 1;
            return plusOne.Compile(preferInterpretation: true)();
        }));
        GC.KeepAlive(stop);
    }

    [Fact]
    public void ALambdaInAGenericMethod_GetsItsCaptures()
    {
        using var pool = new ProcessPool(new PoolOptions { WorkerCount = 1 });
        Assert.Equal("x:3", InGeneric(pool, "x", 3));
    }

    [Fact]
    public void AReadCaptureThatCannotCross_SaysWhichLambdaReadsItAndWhatToDoInstead()
    {
        using var pool = new ProcessPool(new PoolOptions { WorkerCount = 1 });
        var stopped = new TaskCompletionSource<int>();
        int n = 1;

        ArgumentException e = Assert.Throws<ArgumentException>(() => pool.Apply(() => stopped.Task.IsCompleted ? 0 : n));
        Assert.True(e.Message.Contains("captured variable 'stopped' (System.Threading.Tasks.TaskCompletionSource<System.Int32>)", StringComparison.Ordinal), e.Message);
        Assert.True(e.Message.Contains($"The lambda in {nameof(AReadCaptureThatCannotCross_SaysWhichLambdaReadsItAndWhatToDoInstead)} reads 'stopped'", StringComparison.Ordinal), e.Message);
        Assert.True(e.Message.Contains("pass the value as an argument", StringComparison.Ordinal), e.Message);

        bool Done() => stopped.Task.IsCompleted;
        e = Assert.Throws<ArgumentException>(() => pool.Apply(() => Done() ? 0 : n));
        Assert.True(e.Message.Contains($"The local function Done in {nameof(AReadCaptureThatCannotCross_SaysWhichLambdaReadsItAndWhatToDoInstead)} reads 'stopped'", StringComparison.Ordinal), e.Message);

        e = Assert.Throws<ArgumentException>(() => ChildProcess.Start(() => pool.WorkerCount + n));
        Assert.True(e.Message.Contains("captured variable 'pool'", StringComparison.Ordinal), e.Message);
        Assert.Equal(2, pool.Apply(() => n + 1)); // the pool still works, and a lambda of the same scope still crosses
    }

    [Fact]
    public void TopLevelProgram_PoolApplyOfALambdaReadingAnInt_WorksAlthoughAnotherLambdaCapturesThePool()
    {
        (int code, string stdout, string stderr) = TestApp.Run(TestApp.Dotnet, [Path.Combine(TestApp.OutputDir, "Multiprocessing.TestApp.dll"), "closure"]);
        Assert.True(code == 0, stderr);
        Assert.Contains("apply 42\n", stdout, StringComparison.Ordinal);
        Assert.Contains("map 42,43\n", stdout, StringComparison.Ordinal);
        Assert.Contains("pool async 41\n", stdout, StringComparison.Ordinal); // issue #12's bar: an async target in a pool, in top-level code
        Assert.Contains("async 41\n", stdout, StringComparison.Ordinal);
    }

    private static string InGeneric<T>(ProcessPool pool, T value, int count)
    {
        Action stop = () => pool.Terminate();
        GC.KeepAlive(stop);
        return pool.Apply(() => $"{value}:{count}");
    }
}
