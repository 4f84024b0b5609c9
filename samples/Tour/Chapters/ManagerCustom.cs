using Multiprocessing;

namespace Tour.Chapters;

/// <summary>
/// Python's documentation, multiprocessing › Customized managers: <c>MyManager.register('Maths', MathsClass)</c>,
/// then <c>maths = manager.Maths()</c> whose <c>add</c> and <c>mul</c> run in the manager's process. Here the class
/// is used through an interface: the factory is registered for <see cref="IMaths"/>, and
/// <c>manager.Create&lt;IMaths&gt;()</c> returns a proxy that implements it.
/// </summary>
internal sealed class ManagerCustom : IChapter
{
    /// <summary>What clients see of the manager's object. Its arguments and results cross encoded.</summary>
    public interface IMaths
    {
        int Add(int x, int y);

        int Mul(int x, int y);

        /// <summary>How many calls the object has served, from every process.</summary>
        int Calls { get; }

        /// <summary>The process the object lives in.</summary>
        int ProcessId { get; }
    }

    public string Name => "manager-custom";

    public string Title => "BaseManager.register (your own class in a manager: MyManager.register('Maths', MathsClass), used from the parent and a child)";

    public void Run()
    {
        // class MyManager(BaseManager): pass
        // MyManager.register('Maths', MathsClass)
        ManagerOptions options = new ManagerOptions().Register<IMaths>(static () => new MathsClass());

        // with MyManager() as manager:
        using Manager manager = Manager.Start(options);

        // maths = manager.Maths()
        IMaths maths = manager.Create<IMaths>();
        Console.WriteLine(maths.Add(4, 3)); // prints 7
        Console.WriteLine(maths.Mul(7, 8)); // prints 56

        // The proxy crosses to a child declared as the interface, and reaches the same object there.
        using (ChildProcess child = ChildProcess.Start(static (IMaths m) => Console.WriteLine($"in {CurrentProcess.Name}: maths.Add(10, 20) = {m.Add(10, 20)}, maths.Mul(6, 7) = {m.Mul(6, 7)}"), maths))
        {
            child.Join();
        }

        Console.WriteLine($"the object served {maths.Calls} calls, in the manager's process: {maths.ProcessId == manager.Process!.Pid}");
        Say.Note("register takes a factory for an interface; Manager.Start ships it to the manager's process as ChildProcess ships a lambda (Manager.Serve calls it in this process). Each call names its method by a hash of its signature and encodes the arguments as the declared parameter types; an exception there is a RemoteException here. Calls from different clients run at once, each on a thread-pool thread (the manager gives no client a thread of its own), so the object must be thread-safe: MathsClass counts with Interlocked.");
    }

    // class MathsClass: def add(self, x, y): return x + y; def mul(self, x, y): return x * y
    private sealed class MathsClass : IMaths
    {
        private int calls;

        public int Calls => Volatile.Read(ref calls);

        public int ProcessId => Environment.ProcessId;

        public int Add(int x, int y)
        {
            Interlocked.Increment(ref calls);
            return x + y;
        }

        public int Mul(int x, int y)
        {
            Interlocked.Increment(ref calls);
            return x * y;
        }
    }
}
