using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.Codec;

/// <summary>
/// Values that cannot cross make Start throw <see cref="ArgumentException"/> in the caller, naming the variable,
/// field or parameter and its type, before any process is started.
/// </summary>
[Collection(SerialTests.Name)]
public sealed class EncodingFailureTests : IDisposable
{
    private readonly TempDirectory temp = new();

    public void Dispose() => temp.Dispose();

    /// <summary>Runs <paramref name="start"/>, which must throw, and checks that it started no process.</summary>
    private static ArgumentException StartFails(Func<ChildProcessOptions, ChildProcess> start)
    {
        string name = "must-not-start-" + Guid.NewGuid().ToString("N");
        HashSet<int> before = ProcessTree.ChildPids();
        ChildProcess? started = null;
        ArgumentException error;
        try
        {
            error = Assert.Throws<ArgumentException>(() => started = start(new ChildProcessOptions { Name = name }));
        }
        finally
        {
            started?.Dispose();
        }

        Assert.DoesNotContain(ChildProcess.ActiveChildren(), c => c.Name == name);
        Assert.Equal(before, ProcessTree.ChildPids());
        return error;
    }

    [Fact]
    public void Start_CapturingFileStream_ThrowsNamingVariableAndType()
    {
        using FileStream logFile = File.Create(temp.NewPath("log"));

        ArgumentException e = StartFails(o => ChildProcess.Start(() => logFile.Length, o));

        Assert.Contains("'logFile'", e.Message, StringComparison.Ordinal);
        Assert.Contains("System.IO.FileStream", e.Message, StringComparison.Ordinal);
        Assert.Equal("target", e.ParamName);
    }

    [Fact]
    public void Start_CapturingMemoryStream_ThrowsNamingVariableAndType()
    {
        using var buffer = new MemoryStream([1, 2, 3]);

        ArgumentException e = StartFails(o => ChildProcess.Start(() => buffer.Length, o));

        Assert.Contains("'buffer'", e.Message, StringComparison.Ordinal);
        Assert.Contains("System.IO.MemoryStream", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Start_CapturingDelegate_ThrowsNamingVariableAndType()
    {
        Func<int> producer = () => 5;

        ArgumentException e = StartFails(o => ChildProcess.Start(() => producer() + 1, o));

        Assert.Contains("'producer'", e.Message, StringComparison.Ordinal);
        Assert.Contains("System.Func<System.Int32>", e.Message, StringComparison.Ordinal);
        Assert.Contains("delegates cannot cross", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Start_CapturingCancellationTokenSource_ThrowsNamingVariableAndType()
    {
        using var stopSource = new CancellationTokenSource();

        ArgumentException e = StartFails(o => ChildProcess.Start(() => stopSource.IsCancellationRequested, o));

        Assert.Contains("'stopSource'", e.Message, StringComparison.Ordinal);
        Assert.Contains("System.Threading.CancellationTokenSource", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Start_CapturingThread_ThrowsNamingVariableAndType()
    {
        var worker = new Thread(() => { });

        ArgumentException e = StartFails(o => ChildProcess.Start(() => worker.IsAlive, o));

        Assert.Contains("'worker'", e.Message, StringComparison.Ordinal);
        Assert.Contains("System.Threading.Thread", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Start_CapturedObjectVariableHoldingCustomClass_ThrowsNamingVariableAndHeldType()
    {
        object boxed = new Cargo { Label = "crate" };

        ArgumentException e = StartFails(o => ChildProcess.Start(() => boxed.ToString(), o));

        Assert.Contains("'boxed'", e.Message, StringComparison.Ordinal);
        Assert.Contains(typeof(Cargo).FullName!, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Start_ArgumentWithObjectFieldHoldingCustomClass_ThrowsNamingParameterFieldAndHeldType()
    {
        var envelope = new Envelope { Contents = new Cargo { Label = "crate" } };

        ArgumentException e = StartFails(o => ChildProcess.Start((Envelope parcel) => parcel.Contents?.ToString(), envelope, o));

        Assert.Contains("'parcel'", e.Message, StringComparison.Ordinal);
        Assert.Contains(nameof(Envelope.Contents), e.Message, StringComparison.Ordinal);
        Assert.Contains(typeof(Cargo).FullName!, e.Message, StringComparison.Ordinal);
        Assert.Equal("arg1", e.ParamName);
    }

    [Fact]
    public void Start_InterfaceTypedArgument_ThrowsNamingParameterAndInterface()
    {
        ArgumentException e = StartFails(o => ChildProcess.Start((IShape shape) => shape.Area, new Circle { Radius = 1 }, o));

        Assert.Contains("'shape'", e.Message, StringComparison.Ordinal);
        Assert.Contains(typeof(IShape).FullName!, e.Message, StringComparison.Ordinal);
        Assert.Equal("arg1", e.ParamName);
    }

    [Fact]
    public void Start_DerivedInstanceInBaseTypedParameter_ThrowsNamingBothTypes()
    {
        ArgumentException e = StartFails(o => ChildProcess.Start((Animal pet) => pet.Name, (Animal)new Dog { Name = "Rex" }, o));

        Assert.Contains("'pet'", e.Message, StringComparison.Ordinal);
        Assert.Contains(typeof(Dog).FullName!, e.Message, StringComparison.Ordinal);
        Assert.Contains(typeof(Animal).FullName!, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Start_StreamNestedInCapturedObject_ThrowsWithPathToTheField()
    {
        using var sink = new MemoryStream();
        var holder = new StreamHolder(sink);

        ArgumentException e = StartFails(o => ChildProcess.Start(() => holder.ToString(), o));

        Assert.Contains("'holder'", e.Message, StringComparison.Ordinal);
        Assert.Contains("→ sink (System.IO.MemoryStream)", e.Message, StringComparison.Ordinal);
        Assert.Contains("System.IO.MemoryStream", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Start_StreamInPrimaryConstructorParameter_ThrowsNamingTheParameter()
    {
        using var sink = new MemoryStream();
        var holder = new PrimaryStreamHolder(sink);

        ArgumentException e = StartFails(o => ChildProcess.Start(() => holder.ToString(), o));

        Assert.Contains("'holder'", e.Message, StringComparison.Ordinal);
        Assert.Contains("→ sink (System.IO.MemoryStream)", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("<sink>", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Start_StreamInRecordProperty_ThrowsNamingTheProperty()
    {
        using var sink = new MemoryStream();
        var holder = new StreamRecord(sink);

        ArgumentException e = StartFails(o => ChildProcess.Start((StreamRecord r) => r.Sink.Length, holder, o));

        Assert.Contains("'r'", e.Message, StringComparison.Ordinal);
        Assert.Contains("at Sink (System.IO.MemoryStream)", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("k__BackingField", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Result_WhenReturnValueCannotBeEncodedInChild_ThrowsRemoteArgumentException()
    {
        string path = temp.NewPath("stream");
        using ChildProcess<FileStream> child = ChildProcess.Start((string p) => File.Create(p), path);

        child.JoinOrFail();
        RemoteException e = Assert.Throws<RemoteException>(() => child.Result);

        Assert.Equal(1, child.ExitCode);
        Assert.Equal(typeof(ArgumentException).FullName, e.RemoteType);
        Assert.Contains("System.IO.FileStream", e.RemoteMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void PoolTask_ResultThatCannotBeEncoded_NamesTypeAndFieldAsAChildProcessDoes()
    {
        using var pool = new ProcessPool(new PoolOptions { WorkerCount = 1 });
        RemoteException e = Assert.Throws<RemoteException>(() => pool.Apply(static () => new StreamRecord(new MemoryStream())));

        Assert.Equal(typeof(ArgumentException).FullName, e.RemoteType);
        Assert.Contains("the return value of type", e.RemoteMessage, StringComparison.Ordinal);
        Assert.Contains(nameof(StreamRecord), e.RemoteMessage, StringComparison.Ordinal);
        Assert.Contains("at Sink (System.IO.MemoryStream)", e.RemoteMessage, StringComparison.Ordinal);
        Assert.Equal(3, pool.Apply(static () => 3)); // the worker carries on
    }

    [Fact]
    public void Start_CyclicArgument_SaysThePathOnceWithItsDepth()
    {
        var node = new Node();
        node.Next = node;

        ArgumentException e = StartFails(o => ChildProcess.Start((Node n) => n.Next is null, node, o));

        Assert.Contains("Next (", e.Message, StringComparison.Ordinal);
        Assert.Equal(e.Message.IndexOf("Next (", StringComparison.Ordinal), e.Message.LastIndexOf("Next (", StringComparison.Ordinal));
        Assert.Contains($"×{Multiprocessing.Codec.FieldwiseDepth.Max}", e.Message, StringComparison.Ordinal);
        Assert.Contains("cycle", e.Message, StringComparison.Ordinal);
        Assert.True(e.Message.Length < 500, $"{e.Message.Length} characters: {e.Message}");
    }

    [Fact]
    public void Start_CycleThroughTwoTypes_SaysTheRepeatedPairOnce()
    {
        var ping = new Ping();
        ping.Pong = new Pong { Ping = ping };

        ArgumentException e = StartFails(o => ChildProcess.Start((Ping p) => p.Pong is null, ping, o));

        Assert.Matches(@"\(Pong \(.*Pong\) → Ping \(.*Ping\)\) ×\d+", e.Message);
        Assert.True(e.Message.Length < 500, $"{e.Message.Length} characters: {e.Message}");
    }

    [Fact]
    public void Start_SameCycleTwice_ReportsTheSameDepthBothTimes()
    {
        var node = new Node();
        node.Next = node;

        // Both on this thread: the depth count of the first failure must not leak into the second.
        string first = StartFails(o => ChildProcess.Start((Node n) => n.Next is null, node, o)).Message;
        string second = StartFails(o => ChildProcess.Start((Node n) => n.Next is null, node, o)).Message;

        Assert.Contains($"×{Multiprocessing.Codec.FieldwiseDepth.Max}", second, StringComparison.Ordinal);
        Assert.Equal(first, second);
    }

    private sealed class Node
    {
        public Node? Next { get; set; }
    }

    private sealed class Ping
    {
        public Pong? Pong { get; set; }
    }

    private sealed class Pong
    {
        public Ping? Ping { get; set; }
    }

    private sealed class StreamHolder
    {
        private readonly MemoryStream sink;

        public StreamHolder(MemoryStream sink) => this.sink = sink;

        public override string ToString() => sink.Length.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>A class that keeps a primary-constructor parameter: the compiler stores it in a field named &lt;sink&gt;P.</summary>
    private sealed class PrimaryStreamHolder(MemoryStream sink)
    {
        public override string ToString() => sink.Length.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    private sealed record StreamRecord(MemoryStream Sink);
}
