using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using MessagePack;
using Multiprocessing.Codec;
using Multiprocessing.Diagnostics;
using Multiprocessing.Processes;

namespace Multiprocessing.Pools;

/// <summary>
/// What a <see cref="ProcessPool"/>'s worker process runs: its initializer, then the tasks that arrive on its
/// pipe, in order, one result frame each, until the pool closes its end.
/// </summary>
internal static class ProcessPoolWorker
{
    private static readonly long MemoryCheckInterval = Stopwatch.Frequency / 100;

    /// <summary>The worker's loop (the target of the worker's <see cref="ChildProcess"/>).</summary>
    /// <param name="end">This worker's end of its pipe.</param>
    /// <param name="initializer">The pool's initializer (<see cref="DelegatePayload.EncodeFunction"/>), or empty.</param>
    /// <param name="maxMemory">Bytes of working set past which the worker asks to be replaced; 0 for no limit.</param>
    /// <param name="claimTable">The worker's <see cref="TaskClaims"/>: a task is claimed there before it runs, and skipped if the pool took it back.</param>
    /// <remarks>
    /// The worker writes a result while it does not read its tasks, and may wait for room to do so: the pool's
    /// thread that reads its results never waits to write (see <see cref="ProcessWorker"/>), so the wait ends.
    /// </remarks>
    public static void Serve(Connection end, byte[] initializer, long maxMemory, SharedMemory claimTable)
    {
        using TaskClaims claims = TaskClaims.Attach(claimTable);
        using var cancellation = new TaskCancellation(claims); // Disposed first: its watcher reads the claims.
        using (end)
        {
            if (initializer.Length > 0 && !RunInitializer(end, initializer))
            {
                return;
            }

            var functions = new Dictionary<int, Function>();
            var output = new ArrayBufferWriter<byte>(256);
            SendReady(end, output);
            long lastMemoryCheck = 0;
            long seq = -1;
            ReadOnlyMemory<byte> traced = default; // The trace context of the claimed task, if it carries one.
            while (true)
            {
                ReadOnlyMemory<byte> frame;
                try
                {
                    frame = end.ReceiveFrame(); // In the connection's buffer, reused: no array per task.
                }
                catch (EndOfStreamException)
                {
                    return; // The pool closed our end: we are done.
                }

                switch (frame.Span[0])
                {
                    case ProcessWire.Define:
                        int id = BinaryPrimitives.ReadInt32LittleEndian(frame.Span[1..]);
                        functions[id] = Function.Decode(frame[5..].ToArray());
                        break;
                    case ProcessWire.Forget:
                        functions.Clear();
                        break;
                    case ProcessWire.Claim:
                        seq = BinaryPrimitives.ReadInt64LittleEndian(frame.Span[1..]);
                        if (!claims.TryStart(seq))
                        {
                            break; // The pool took it back: another worker runs it.
                        }

                        frame = frame[9..];
                        if (frame.Span[0] == ProcessWire.Traced)
                        {
                            int length = TraceContextWire.LengthOf(frame.Span[1..]);
                            traced = frame.Slice(1, length);
                            frame = frame[(1 + length)..];
                        }

                        if (frame.Span[0] != ProcessWire.Run)
                        {
                            throw new InvalidDataException($"A claimed task is not a Run frame but kind {frame.Span[0]}.");
                        }

                        goto case ProcessWire.Run;
                    case ProcessWire.Run:
                        bool retire = false;
                        if (maxMemory > 0 && Stopwatch.GetTimestamp() - lastMemoryCheck > MemoryCheckInterval)
                        {
                            lastMemoryCheck = Stopwatch.GetTimestamp();
                            retire = Environment.WorkingSet > maxMemory;
                        }

                        using (IDisposable? trace = traced.IsEmpty ? null : RemoteTrace.Start(RemoteTrace.TaskRunActivity, traced.Span))
                        {
                            RunTask(end, frame, functions, output, retire, seq, cancellation);
                        }

                        seq = -1;
                        traced = default;
                        break;
                    default:
                        throw new InvalidDataException($"Unknown pool frame kind {frame.Span[0]}.");
                }
            }
        }
    }

    private static bool RunInitializer(Connection end, byte[] initializer)
    {
        try
        {
            (MethodInfo method, object? target) = DelegatePayload.DecodeFunction(initializer);
            method.Invoke(target, BindingFlags.DoNotWrapExceptions, binder: null, [], culture: null);
            return true;
        }
        catch (Exception e)
        {
            SendError(end, ProcessWire.InitFailed, 0, e, new ArrayBufferWriter<byte>());
            return false;
        }
    }

    private static void RunTask(Connection end, ReadOnlyMemory<byte> frame, Dictionary<int, Function> functions, ArrayBufferWriter<byte> output, bool retire, long seq, TaskCancellation cancellation)
    {
        int functionId = BinaryPrimitives.ReadInt32LittleEndian(frame.Span[9..]);
        if (!functions.TryGetValue(functionId, out Function? f))
        {
            long taskId = BinaryPrimitives.ReadInt64LittleEndian(frame.Span[1..]);
            WriteError(output, ProcessWire.Error, taskId, new KeyNotFoundException($"The worker knows no function {functionId}."));
            end.SendBytes(output.WrittenSpan);
            return;
        }

        CancellationToken token = f.TakesToken ? cancellation.Begin(seq) : default;
        try
        {
            Execute(frame, f, output, retire, token);
        }
        finally
        {
            if (f.TakesToken)
            {
                cancellation.End();
            }
        }

        end.SendBytes(output.WrittenSpan);
    }

    /// <summary>
    /// Runs the task of a Run frame with its function and writes its result frame into <paramref name="output"/>
    /// (reset first): an Ok frame with the encoded result, or an Error frame with the task's exception. Never throws
    /// for what the task does. Also what a silo of a cluster pool runs for each call.
    /// </summary>
    /// <param name="frame">The Run frame.</param>
    /// <param name="f">Its function, decoded.</param>
    /// <param name="output">Where the result frame goes.</param>
    /// <param name="retire">Whether to flag the result as the worker's last (it went past its memory limit).</param>
    /// <param name="token">The token given to a function that takes one.</param>
    internal static void Execute(ReadOnlyMemory<byte> frame, Function f, ArrayBufferWriter<byte> output, bool retire, CancellationToken token)
    {
        long began = Stopwatch.GetTimestamp();
        ReadOnlySpan<byte> run = frame.Span;
        long taskId = BinaryPrimitives.ReadInt64LittleEndian(run[1..]);
        byte shape = run[13];
        int count = BinaryPrimitives.ReadInt32LittleEndian(run[14..]);
        output.ResetWrittenCount();
        Span<byte> head = output.GetSpan(ProcessWire.ResultHeader);
        head[0] = ProcessWire.Ok;
        BinaryPrimitives.WriteInt64LittleEndian(head[1..], taskId);
        head[9] = retire ? ProcessWire.RetireFlag : (byte)0;
        output.Advance(ProcessWire.ResultHeader);
        try
        {
            if (shape == ProcessWire.Chunk && f.ScalarChunks is { } runner)
            {
                runner.Run(frame.Span[ProcessWire.RunHeader..], count, output, token);
                return;
            }

            // A single call of a function of one scalar to a scalar (an Apply's, most often): its argument is
            // encoded as the codec's scalar form, which the runner reads and writes in code optimized from its
            // first call, where the codec's general path would run unoptimized in a young worker (MessagePack is
            // not precompiled) for its first hundred milliseconds or more.
            if (shape == ProcessWire.Single && f.ScalarChunks is { } one && one.TryRunOne(frame.Span[ProcessWire.RunHeader..], output))
            {
                return;
            }

            var reader = new MessagePackReader(frame[ProcessWire.RunHeader..]);
            var writer = new MessagePackWriter(output);
            if (shape == ProcessWire.Single)
            {
                f.Call(ref reader, ref writer, token);
            }
            else
            {
                writer.WriteArrayHeader(count);
                for (int i = 0; i < count; i++)
                {
                    token.ThrowIfCancellationRequested(); // The chunk's map was cancelled: stop between items.
                    f.Call(ref reader, ref writer, token);
                }
            }

            writer.Flush();
        }
        catch (Exception e)
        {
            WriteError(output, ProcessWire.Error, taskId, e);
        }
        finally
        {
            // The flag again: an Error frame is written afresh, and a worker past its memory limit is replaced
            // after a task that failed as after one that succeeded.
            Span<byte> written = MemoryMarshal.AsMemory(output.WrittenMemory).Span;
            written[9] = retire ? ProcessWire.RetireFlag : (byte)0;

            // The pool sizes how many tasks it sends ahead by how long they run here, not by how long their
            // results took to come back: on a busy machine that is mostly waiting for a core, and it asks for
            // more tasks ahead, not fewer.
            ProcessWire.WriteRunTime(written, began);
        }
    }

    private static void SendReady(Connection end, ArrayBufferWriter<byte> output)
    {
        Span<byte> head = output.GetSpan(ProcessWire.ResultHeader);
        head[..ProcessWire.ResultHeader].Clear();
        head[0] = ProcessWire.Ready;
        output.Advance(ProcessWire.ResultHeader);
        end.SendBytes(output.WrittenSpan);
        output.ResetWrittenCount();
    }

    private static void SendError(Connection end, byte kind, long taskId, Exception e, ArrayBufferWriter<byte> output)
    {
        WriteError(output, kind, taskId, e);
        end.SendBytes(output.WrittenSpan);
    }

    /// <summary>Writes an error frame (<paramref name="kind"/>: Error or InitFailed) with <paramref name="e"/> into <paramref name="output"/>, reset first.</summary>
    internal static void WriteError(ArrayBufferWriter<byte> output, byte kind, long taskId, Exception e)
    {
        if (e is TargetInvocationException { InnerException: { } inner })
        {
            e = inner;
        }

        output.ResetWrittenCount();
        Span<byte> head = output.GetSpan(ProcessWire.ResultHeader);
        head[0] = kind;
        BinaryPrimitives.WriteInt64LittleEndian(head[1..], taskId);
        head[9..ProcessWire.ResultHeader].Clear();
        output.Advance(ProcessWire.ResultHeader);
        WireCodec.Serialize(output, RemoteExceptionInfo.From(e));
    }

    /// <summary>
    /// A defined function: decodes its arguments, calls it, encodes its result. An asynchronous one (returning a
    /// <see cref="Task"/> or a <see cref="Task{TResult}"/>) is waited for, and its task's result encoded, as a
    /// <see cref="ChildProcess"/>'s target is; a parameter of type <see cref="CancellationToken"/> is not on the wire
    /// but gets the task's token (see <see cref="TaskCancellation"/>).
    /// </summary>
    internal sealed class Function(MethodInvoker invoker, object? target, Type[] parameters, Type resultType, Func<object?, object?>? awaiter, IChunkRunner? scalarChunks)
    {
        private static readonly MethodInfo AwaitResultMethod = typeof(Function).GetMethod(nameof(AwaitResult), BindingFlags.NonPublic | BindingFlags.Static)!;
        private static readonly MethodInfo AsyncRunnerMethod = typeof(Function).GetMethod(nameof(AsyncRunner), BindingFlags.NonPublic | BindingFlags.Static)!;

        private readonly bool takesToken = Array.IndexOf(parameters, typeof(CancellationToken)) >= 0;

        /// <summary>For a function of one scalar to a scalar (or to a task of one): runs whole chunks without reflection or boxing.</summary>
        public IChunkRunner? ScalarChunks { get; } = scalarChunks;

        /// <summary>Whether a parameter is a <see cref="CancellationToken"/>: the task then runs with a token of its own.</summary>
        public bool TakesToken => takesToken;

        public static Function Decode(byte[] payload)
        {
            (MethodInfo method, object? target) = DelegatePayload.DecodeFunction(payload);
            Type[] parameters = [.. method.GetParameters().Select(p => p.ParameterType)];
            Type returnType = method.ReturnType;
            Type resultType = returnType;
            Func<object?, object?>? awaiter = null;
            if (returnType == typeof(Task))
            {
                resultType = typeof(void);
                awaiter = AwaitTask;
            }
            else if (returnType.IsGenericType && returnType.GetGenericTypeDefinition() == typeof(Task<>))
            {
                resultType = returnType.GetGenericArguments()[0];
                awaiter = AwaitResultMethod.MakeGenericMethod(resultType).CreateDelegate<Func<object?, object?>>();
            }

            IChunkRunner? runner = null;
            if (parameters.Length == 1 && IsScalar(parameters[0]) && IsScalar(resultType))
            {
                Delegate typed = method.CreateDelegate(typeof(Func<,>).MakeGenericType(parameters[0], returnType), target);
                runner = awaiter is null
                    ? (IChunkRunner)Activator.CreateInstance(typeof(ScalarChunkRunner<,>).MakeGenericType(parameters[0], resultType), typed)!
                    : (IChunkRunner)AsyncRunnerMethod.MakeGenericMethod(parameters[0], resultType).Invoke(null, [typed])!;
            }

            return new Function(MethodInvoker.Create(method), target, parameters, resultType, awaiter, runner);
        }

        private static bool IsScalar(Type t) => t == typeof(int) || t == typeof(long) || t == typeof(double) || t == typeof(bool);

        private static object? AwaitTask(object? task)
        {
            TaskOf(task).GetAwaiter().GetResult();
            return null;
        }

        private static object? AwaitResult<T>(object? task) => ((Task<T>)TaskOf(task)).GetAwaiter().GetResult();

        private static Task TaskOf(object? task) =>
            task as Task ?? throw new InvalidOperationException("The asynchronous function returned null instead of a task.");

        private static ScalarChunkRunner<TArg, TResult> AsyncRunner<TArg, TResult>(Delegate function)
        {
            var f = (Func<TArg, Task<TResult>>)function;
            return new ScalarChunkRunner<TArg, TResult>(arg => f(arg).GetAwaiter().GetResult());
        }

        public void Call(ref MessagePackReader reader, ref MessagePackWriter writer, CancellationToken token)
        {
            object? result;
            switch (takesToken ? -1 : parameters.Length)
            {
                case 0:
                    result = invoker.Invoke(target);
                    break;
                case 1:
                    result = invoker.Invoke(target, DecodeArgument(ref reader, parameters[0]));
                    break;
                case 2:
                    object? a = DecodeArgument(ref reader, parameters[0]);
                    result = invoker.Invoke(target, a, DecodeArgument(ref reader, parameters[1]));
                    break;
                default:
                    var args = new object?[parameters.Length];
                    for (int i = 0; i < args.Length; i++)
                    {
                        args[i] = parameters[i] == typeof(CancellationToken) ? token : DecodeArgument(ref reader, parameters[i]);
                    }

                    result = invoker.Invoke(target, args.AsSpan());
                    break;
            }

            if (awaiter is not null)
            {
                result = awaiter(result); // The task runs to its end here: the worker runs one task at a time.
            }

            if (resultType == typeof(void))
            {
                writer.WriteNil();
            }
            else
            {
                WireCodec.SerializeReturnValue(ref writer, resultType, result); // Names the type and the field that cannot cross, as a ChildProcess does.
            }
        }

        /// <summary>Decodes one argument; bytes that are not a <paramref name="type"/> fail the task with an <see cref="InvalidDataException"/>, as a <see cref="ChildProcess"/>'s call does.</summary>
        private static object? DecodeArgument(ref MessagePackReader reader, Type type)
        {
            try
            {
                return WireCodec.Deserialize(ref reader, type);
            }
            catch (Exception e) when (WireCodec.IsDecodeFailure(e))
            {
                throw WireCodec.DecodeFailure($"The worker could not decode an argument as {TypeNames.Display(type)}", e);
            }
        }
    }

    /// <summary>Runs a chunk of a map over scalars.</summary>
    internal interface IChunkRunner
    {
        /// <summary>Runs the chunk's items, stopping between two with an <see cref="OperationCanceledException"/> once <paramref name="token"/> is cancelled.</summary>
        void Run(ReadOnlySpan<byte> args, int count, ArrayBufferWriter<byte> output, CancellationToken token);

        /// <summary>
        /// Runs a single call whose one argument, <paramref name="args"/>, is a scalar of the function's type, and
        /// writes its result; false (nothing run, nothing written) if it is not one: the general path then decodes it.
        /// </summary>
        bool TryRunOne(ReadOnlySpan<byte> args, ArrayBufferWriter<byte> output);
    }

    /// <summary>A chunk of <c>Map(f, items)</c> where f takes and returns scalars: read, call, write, in a loop compiled for the types.</summary>
    private sealed class ScalarChunkRunner<TArg, TResult>(Func<TArg, TResult> function) : IChunkRunner
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Run(ReadOnlySpan<byte> args, int count, ArrayBufferWriter<byte> output, CancellationToken token)
        {
            ProcessWire.WriteArrayHeader(output, count);
            int at = 0;
            for (int i = 0; i < count; i++)
            {
                token.ThrowIfCancellationRequested();
                int n = FastCodec.ScalarLength(args[at..]);
                if (n < 0 || !FastCodec.TryRead(args.Slice(at, n), out TArg arg))
                {
                    throw new InvalidDataException($"Item {i} of a chunk is not a {typeof(TArg).Name}.");
                }

                at += n;
                Span<byte> into = output.GetSpan(FastCodec.MaxScalarSize);
                output.Advance(FastCodec.Write(function(arg), into, out _));
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public bool TryRunOne(ReadOnlySpan<byte> args, ArrayBufferWriter<byte> output)
        {
            if (FastCodec.ScalarLength(args) != args.Length || !FastCodec.TryRead(args, out TArg arg))
            {
                return false;
            }

            Span<byte> into = output.GetSpan(FastCodec.MaxScalarSize);
            output.Advance(FastCodec.Write(function(arg), into, out _));
            return true;
        }
    }
}
