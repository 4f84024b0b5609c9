using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.Processes;

/// <summary>Every overload of Start runs the right target with the right arguments and brings back its result.</summary>
public sealed class TargetShapeTests : IDisposable
{
    private readonly TempDirectory temp = new();

    public void Dispose() => temp.Dispose();

    [Fact]
    public void Start_ActionWithoutArguments_RunsInChild()
    {
        string path = temp.NewPath("action0");
        using ChildProcess child = ChildProcess.Start(() => File.WriteAllText(path, $"ran in {Environment.ProcessId}"));
        child.JoinOrFail();

        Assert.Equal(0, child.ExitCode);
        Assert.Null(child.Exception);
        Assert.Equal($"ran in {child.Pid}", File.ReadAllText(path));
        Assert.NotEqual(Environment.ProcessId, child.Pid);
    }

    [Fact]
    public void Start_ActionWithOneToFourArguments_PassesEachArgument()
    {
        string p1 = temp.NewPath("a1"), p2 = temp.NewPath("a2"), p3 = temp.NewPath("a3"), p4 = temp.NewPath("a4");
        using ChildProcess c1 = ChildProcess.Start((string p) => File.WriteAllText(p, "one"), p1);
        using ChildProcess c2 = ChildProcess.Start((string p, int a) => File.WriteAllText(p, $"two {a}"), p2, 2);
        using ChildProcess c3 = ChildProcess.Start((string p, int a, string b) => File.WriteAllText(p, $"three {a} {b}"), p3, 3, "x");
        using ChildProcess c4 = ChildProcess.Start((string p, int a, string b, Color c) => File.WriteAllText(p, $"four {a} {b} {c}"), p4, 4, "y", Color.Blue);
        foreach (ChildProcess c in new[] { c1, c2, c3, c4 })
        {
            c.JoinOrFail();
            Assert.Equal(0, c.ExitCode);
        }

        Assert.Equal("one", File.ReadAllText(p1));
        Assert.Equal("two 2", File.ReadAllText(p2));
        Assert.Equal("three 3 x", File.ReadAllText(p3));
        Assert.Equal("four 4 y Blue", File.ReadAllText(p4));
    }

    [Fact]
    public void Result_FuncWithZeroToFourArguments_ReturnsValueComputedInChild()
    {
        using ChildProcess<int> f0 = ChildProcess.Start(() => Environment.ProcessId);
        using ChildProcess<int> f1 = ChildProcess.Start((int a) => a * 10, 4);
        using ChildProcess<string> f2 = ChildProcess.Start((string a, int b) => string.Concat(Enumerable.Repeat(a, b)), "ab", 3);
        using ChildProcess<double> f3 = ChildProcess.Start((double a, double b, double c) => (a * b) + c, 1.5, 4.0, 0.25);
        using ChildProcess<string> f4 = ChildProcess.Start((int a, long b, bool c, string d) => $"{a}/{b}/{c}/{d}", 1, 2L, true, "four");

        Assert.Equal(f0.Pid, f0.ResultOrFail());
        Assert.Equal(40, f1.ResultOrFail());
        Assert.Equal("ababab", f2.ResultOrFail());
        Assert.Equal(6.25, f3.ResultOrFail());
        Assert.Equal("1/2/True/four", f4.ResultOrFail());
        Assert.All(new ChildProcess[] { f0, f1, f2, f3, f4 }, c => Assert.Equal(0, c.ExitCode));
    }

    [Fact]
    public void Start_AsyncActionTarget_CompletesItsTaskBeforeExiting()
    {
        string path = temp.NewPath("async");
        using ChildProcess child = ChildProcess.Start(async () =>
        {
            await Task.Delay(50);
            await File.WriteAllTextAsync(path, "after await");
        });
        child.JoinOrFail();

        Assert.Equal(0, child.ExitCode);
        Assert.Null(child.Exception);
        Assert.Equal("after await", File.ReadAllText(path));
    }

    [Fact]
    public async Task ResultAsync_AsyncFuncTarget_ReturnsAwaitedValue()
    {
        ChildProcess<string> child = ChildProcess.Start(async () =>
        {
            await Task.Delay(50);
            await Task.Yield();
            return $"awaited in {Environment.ProcessId}";
        });
        await using (child)
        {
            using var timeout = new CancellationTokenSource(Within.Deadline);
            string result = await child.ResultAsync(timeout.Token);

            Assert.Equal($"awaited in {child.Pid}", result);
            Assert.Equal(0, child.ExitCode);
        }
    }

    [Fact]
    public void Result_StaticMethodGroups_RunInChild()
    {
        using ChildProcess<int> square = ChildProcess.Start<int, int>(StaticTargets.Square, 12);
        using ChildProcess<string> concat = ChildProcess.Start<string, int, char, double, string>(StaticTargets.Concat, "s", 2, 'c', 0.5);

        Assert.Equal(144, square.ResultOrFail());
        Assert.Equal("s|2|c|0.5", concat.ResultOrFail());
    }

    [Fact]
    public void Result_NonCapturingLambda_RunsInChild()
    {
        using ChildProcess<bool> child = ChildProcess.Start(() => CurrentProcess.IsChild);

        Assert.True(child.ResultOrFail());
    }

    [Fact]
    public void Result_CapturingLambda_SeesCopiesOfCapturedVariables()
    {
        int number = 20;
        string text = "captured";
        var list = new List<int> { 1, 2, 3 };
        using ChildProcess<string> child = ChildProcess.Start(() =>
        {
            number++;
            list.Add(4);
            return $"{text}:{number}:{string.Join(",", list)}";
        });

        Assert.Equal("captured:21:1,2,3,4", child.ResultOrFail());

        // The child worked on copies: nothing it changed is seen here.
        Assert.Equal(20, number);
        Assert.Equal([1, 2, 3], list);
    }

    [Fact]
    public void Result_InstanceMethod_CarriesPrivateFieldsOfThisAndItsBaseClass()
    {
        var greeter = new Greeter("Hello", "!");
        using ChildProcess<string> child = ChildProcess.Start<string, string>(greeter.Greet, "Ada");

        Assert.Equal("Hello, Ada (call 1)!", child.ResultOrFail());
        Assert.Equal(0, greeter.Calls); // the child incremented its own copy
    }

    [Fact]
    public void Result_LambdaCapturingThisAndALocal_RunsWithBoth()
    {
        var greeter = new Greeter("Hi", "?");
        greeter.Greet("warm-up"); // calls == 1 here, copied into the child

        using ChildProcess<string> child = greeter.StartGreeting("Bob");

        Assert.Equal("Hi, Bob (call 2)? from a closure", child.ResultOrFail());
        Assert.Equal(1, greeter.Calls);
    }

    [Fact]
    public void Result_GenericMethod_RunsWithTheSameTypeArguments()
    {
        using ChildProcess<string> ofInt = ChildProcess.Start<int, string>(StaticTargets.TypeNameOf, 5);
        using ChildProcess<string> ofLong = ChildProcess.Start<long, string>(StaticTargets.TypeNameOf, 5L);
        using ChildProcess<string> ofPoint = ChildProcess.Start<Point, string>(StaticTargets.TypeNameOf, new Point(1, 2));

        Assert.Equal("System.Int32=5", ofInt.ResultOrFail());
        Assert.Equal("System.Int64=5", ofLong.ResultOrFail());
        Assert.Equal($"{typeof(Point).FullName}=Point {{ X = 1, Y = 2 }}", ofPoint.ResultOrFail());
    }

    [Fact]
    public void Result_LambdaInsideGenericMethod_KeepsTypeArgumentAndCapturedValue()
    {
        using ChildProcess<string> capturing = GenericLaunchers.StartCapturing(Guid.Empty);
        using ChildProcess<string> nonCapturing = GenericLaunchers.StartNonCapturing<Dictionary<string, int>>();
        using ChildProcess<List<Color>> withArgs = GenericLaunchers.StartRepeat(Color.Green, 3);

        Assert.Equal($"Guid:{Guid.Empty}", capturing.ResultOrFail());
        Assert.Equal("Dictionary`2", nonCapturing.ResultOrFail());
        Assert.Equal([Color.Green, Color.Green, Color.Green], withArgs.ResultOrFail());
    }

    [Fact]
    public void Result_OverloadedMethodGroup_RunsTheOverloadTheCallerBound()
    {
        using ChildProcess<string> ofInt = ChildProcess.Start<int, string>(OverloadedTargets.Describe, 1);
        using ChildProcess<string> ofLong = ChildProcess.Start<long, string>(OverloadedTargets.Describe, 2L);
        using ChildProcess<string> ofString = ChildProcess.Start<string, string>(OverloadedTargets.Describe, "three");
        using ChildProcess<string> ofTwo = ChildProcess.Start<int, int, string>(OverloadedTargets.Describe, 4, 5);
        using ChildProcess<string> ofObject = ChildProcess.Start<object, string>(OverloadedTargets.Describe, 6);

        Assert.Equal("int:1", ofInt.ResultOrFail());
        Assert.Equal("long:2", ofLong.ResultOrFail());
        Assert.Equal("string:three", ofString.ResultOrFail());
        Assert.Equal("int,int:4,5", ofTwo.ResultOrFail());
        Assert.Equal("object:6", ofObject.ResultOrFail());
    }

    [Fact]
    public void Start_AsyncLambdaReturningValue_BindsToTaskOfTOverload()
    {
        using ChildProcess<int> child = ChildProcess.Start(async () =>
        {
            await Task.Yield();
            return 42;
        });

        Assert.Equal(42, child.ResultOrFail());
    }

    [Fact]
    public void Result_InstanceMethodOfStruct_RunsOnACopyOfTheStruct()
    {
        var adder = new Adder(100);
        using ChildProcess<int> child = ChildProcess.Start<int, int>(adder.Add, 23);

        Assert.Equal(123, child.ResultOrFail());
    }

    [Fact]
    public void Result_InstanceMethodOfGenericClass_RunsWithItsTypeArgumentAndFields()
    {
        var box = new Box<string>("ab");
        using ChildProcess<string> child = ChildProcess.Start<int, string>(box.Describe, 3);

        Assert.Equal("String:ab,ab,ab", child.ResultOrFail());
    }

    [Fact]
    public void Result_ExtensionMethodBoundToAValue_ReceivesThatValue()
    {
        Func<string> shout = "quiet".Shout;
        using ChildProcess<string> child = ChildProcess.Start(shout);

        Assert.Equal("QUIET!", child.ResultOrFail());
    }

    [Fact]
    public void Result_LambdasCapturingLoopVariableAndOuterLocal_EachSeesItsOwnValues()
    {
        string prefix = "item";
        var children = new List<ChildProcess<string>>();
        try
        {
            foreach (int i in new[] { 1, 2, 3 })
            {
                int squared = i * i; // a per-iteration closure that also links to the outer one
                children.Add(ChildProcess.Start(() => $"{prefix}{i}={squared}"));
            }

            Assert.Equal(["item1=1", "item2=4", "item3=9"], children.Select(c => c.ResultOrFail()));
        }
        finally
        {
            children.ForEach(c => c.Dispose());
        }
    }

    [Fact]
    public void Start_NullTarget_ThrowsArgumentNullException()
    {
        Assert.Throws<ArgumentNullException>(() => ChildProcess.Start((Action)null!));
        Assert.Throws<ArgumentNullException>(() => ChildProcess.Start((Func<int>)null!));
    }

    [Fact]
    public void Start_FromManyThreadsAtOnce_EachChildGetsItsOwnNameAndResult()
    {
        var children = new ChildProcess<int>[6];
        try
        {
            Parallel.For(0, children.Length, i => children[i] = ChildProcess.Start((int n) => n * n, i));

            Assert.Equal([0, 1, 4, 9, 16, 25], children.Select(c => c.ResultOrFail()));
            Assert.Equal(children.Length, children.Select(c => c.Name).Distinct().Count());
            Assert.Equal(children.Length, children.Select(c => c.Pid).Distinct().Count());
        }
        finally
        {
            foreach (ChildProcess<int>? c in children)
            {
                c?.Dispose();
            }
        }
    }

    [Fact]
    public void Result_AsyncLambdaWithArgument_DeliversTheAwaitedValue()
    {
        using ChildProcess<int> child = ChildProcess.Start(async (int x) =>
        {
            await Task.Yield();
            return x * 2;
        }, 5);

        Assert.Equal(10, child.ResultOrFail());
        Assert.Equal(0, child.ExitCode);
    }

    [Fact]
    public void Result_AsyncLambdasWithOneToFourArguments_DeliverTheAwaitedValues()
    {
        using ChildProcess<string> f1 = ChildProcess.Start(async (string a) =>
        {
            await Task.Yield();
            return a + "!";
        }, "one");
        using ChildProcess<string> f2 = ChildProcess.Start(async (string a, int b) =>
        {
            await Task.Yield();
            return $"{a}{b}";
        }, "two", 2);
        using ChildProcess<double> f3 = ChildProcess.Start(async (double a, double b, double c) =>
        {
            await Task.Delay(1);
            return (a * b) + c;
        }, 1.5, 4.0, 0.25);
        using ChildProcess<List<Color>> f4 = ChildProcess.Start(async (Color a, Color b, Color c, int n) =>
        {
            await Task.Yield();
            return Enumerable.Repeat(new[] { a, b, c }, n).SelectMany(x => x).ToList();
        }, Color.Red, Color.Green, Color.Blue, 2);

        Assert.Equal("one!", f1.ResultOrFail());
        Assert.Equal("two2", f2.ResultOrFail());
        Assert.Equal(6.25, f3.ResultOrFail());
        Assert.Equal([Color.Red, Color.Green, Color.Blue, Color.Red, Color.Green, Color.Blue], f4.ResultOrFail());
        Assert.All(new ChildProcess[] { f1, f2, f3, f4 }, c => Assert.Equal(0, c.ExitCode));
    }

    [Fact]
    public void Start_AsyncActionsWithOneToFourArguments_CompleteTheirTasksBeforeExiting()
    {
        string p1 = temp.NewPath("async1"), p2 = temp.NewPath("async2"), p3 = temp.NewPath("async3"), p4 = temp.NewPath("async4");
        using ChildProcess c1 = ChildProcess.Start(async (string p) =>
        {
            await Task.Yield();
            await File.WriteAllTextAsync(p, "one");
        }, p1);
        using ChildProcess c2 = ChildProcess.Start(async (string p, int a) =>
        {
            await Task.Yield();
            await File.WriteAllTextAsync(p, $"two {a}");
        }, p2, 2);
        using ChildProcess c3 = ChildProcess.Start(async (string p, int a, string b) =>
        {
            await Task.Delay(1);
            await File.WriteAllTextAsync(p, $"three {a} {b}");
        }, p3, 3, "x");
        using ChildProcess c4 = ChildProcess.Start(async (string p, int a, string b, Color c) =>
        {
            await Task.Yield();
            await File.WriteAllTextAsync(p, $"four {a} {b} {c}");
        }, p4, 4, "y", Color.Blue);

        foreach (ChildProcess c in new[] { c1, c2, c3, c4 })
        {
            c.JoinOrFail();
            Assert.Equal(typeof(ChildProcess), c.GetType()); // not a ChildProcess<Task>
            Assert.Equal(0, c.ExitCode);
            Assert.Null(c.Exception);
        }

        Assert.Equal("one", File.ReadAllText(p1));
        Assert.Equal("two 2", File.ReadAllText(p2));
        Assert.Equal("three 3 x", File.ReadAllText(p3));
        Assert.Equal("four 4 y Blue", File.ReadAllText(p4));
    }

    [Fact]
    public void Result_AsyncMethodGroups_BindToTheTaskOverloadsAndDeliverTheAwaitedValue()
    {
        string path = temp.NewPath("async-method-group");
        using ChildProcess<int> inferred = ChildProcess.Start(AsyncTargets.DoubleAsync, 21);
        using ChildProcess<int> explicitTypes = ChildProcess.Start<int, int>(AsyncTargets.DoubleAsync, 4);
        using ChildProcess<string> twoArgs = ChildProcess.Start(AsyncTargets.JoinAsync, "a", 3);
        using ChildProcess noResult = ChildProcess.Start(AsyncTargets.WriteFileAsync, path, "written after an await");

        Assert.Equal(42, inferred.ResultOrFail());
        Assert.Equal(8, explicitTypes.ResultOrFail());
        Assert.Equal("a,a,a", twoArgs.ResultOrFail());
        noResult.JoinOrFail();
        Assert.Equal(typeof(ChildProcess), noResult.GetType());
        Assert.Equal(0, noResult.ExitCode);
        Assert.Equal("written after an await", File.ReadAllText(path));
    }

    [Fact]
    public void Start_TargetReturningATaskTypeAsTheResult_ThrowsArgumentExceptionInTheCaller()
    {
        Func<ValueTask<int>> valueTaskOfInt = async () =>
        {
            await Task.Yield();
            return 1;
        };
        Func<ValueTask> valueTask = () => ValueTask.CompletedTask;

        ArgumentException e1 = Assert.Throws<ArgumentException>(() => ChildProcess.Start(valueTaskOfInt));
        ArgumentException e2 = Assert.Throws<ArgumentException>(() => ChildProcess.Start(valueTask));
        ArgumentException e3 = Assert.Throws<ArgumentException>(() => ChildProcess.Start<int, Task<int>>(AsyncTargets.DoubleAsync, 1));
        ArgumentException e4 = Assert.Throws<ArgumentException>(() => ChildProcess.Start((int x) => new ValueTask<int>(x), 1));

        Assert.Contains("System.Threading.Tasks.ValueTask<System.Int32>", e1.Message, StringComparison.Ordinal);
        Assert.Contains("System.Threading.Tasks.ValueTask", e2.Message, StringComparison.Ordinal);
        Assert.Contains("System.Threading.Tasks.Task<System.Int32>", e3.Message, StringComparison.Ordinal);
        Assert.All(new[] { e1, e2, e3, e4 }, e =>
        {
            Assert.Equal("target", e.ParamName);
            Assert.Contains("Task<T>", e.Message, StringComparison.Ordinal);
        });
    }
}
