namespace Tour.Chapters;

/// <summary>
/// Seed: Python 中的多线程 › 自定义线程类. MyThreading(func, arg) runs func(arg) on its own thread: in C#, a type that
/// owns a Thread whose target is its Run().
/// </summary>
internal sealed class CustomThread : IChapter
{
    public string Name => "custom-thread";

    public string Title => "自定义线程类 (a thread type of your own: MyThreading(func, arg) runs func(arg))";

    public void Run()
    {
        Console.WriteLine($"main thread: ManagedThreadId {Environment.CurrentManagedThreadId}");

        // obj = MyThreading(my_func, 123); obj.start()
        var obj = new MyThreading<int>(MyFunc, 123);
        obj.Start();
        obj.Join();

        Say.Note("the seed's my_func is `pass`; the tour's says where it runs. The seed does not join obj (Python waits for it at exit); the tour does, so that the chapter ends with its thread.");
        Say.Note("Thread is sealed in .NET, so MyThreading cannot subclass it: it owns a Thread whose target is its own Run(), and passes Start() and Join() through. Run() is self.func(self.arg).");

        Say.Part("the BCL's own (func, arg): a ParameterizedThreadStart target, the argument given to Start()");
        var t = new Thread(arg => MyFunc((int)arg!));
        t.Start(123);
        t.Join();
        Say.Note("the argument travels as object?: one argument, cast back in the target.");

        Say.Part("most often in C#: a lambda that calls func(arg)");
        var u = new Thread(() => MyFunc(123));
        u.Start();
        u.Join();
    }

    // def my_func(args): 你可以把任何你想让线程做的事定义在这里
    private static void MyFunc(int args) =>
        Console.WriteLine($"my_func({args}) runs on ManagedThreadId {Environment.CurrentManagedThreadId}");

    /// <summary>class MyThreading(threading.Thread): runs <c>func(arg)</c> on a thread of its own.</summary>
    private sealed class MyThreading<T>
    {
        private readonly Action<T> func;
        private readonly T arg;
        private readonly Thread thread;

        public MyThreading(Action<T> func, T arg)
        {
            this.func = func;
            this.arg = arg;
            thread = new Thread(Run);
        }

        public void Start() => thread.Start();

        public void Join() => thread.Join();

        // def run(self): self.func(self.arg)
        public void Run() => func(arg);
    }
}
