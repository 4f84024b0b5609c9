using System.Diagnostics;

namespace Tour.Chapters;

/// <summary>
/// Seed: Python 中的多线程 › 代码示例. The two simulated downloads on two threads, first as a target with its argument
/// (第二种方法), then as a thread type of their own (第一种方法); then start 和 run 方法的区别: <c>Start()</c> runs
/// <c>Run()</c> on a new thread, calling <c>Run()</c> is a plain call on the caller's thread.
/// </summary>
internal sealed class ThreadBasics : IChapter
{
    public string Name => "thread-basics";

    public string Title => "代码示例 (threads: a target with its argument, a thread type of its own, start vs run)";

    public void Run()
    {
        Say.Note($"sleeps are scaled down {Say.TimeScale}×: the seed's randint(5, 10) seconds are 0.5–1.0 s here.");

        Say.Part("第二种方法 (a Thread with a target and its argument)");
        WithTarget.Run();

        Say.Part("第一种方法 (a thread type of its own: Thread is sealed in .NET, so DownloadTask owns one)");
        WithOwnType.Run();

        Say.Part("start 和 run 方法的区别 (start vs run)");
        StartVsRun.Run();
    }

    /// <summary>randint(5, 10) seconds, scaled: 0.5 to 1.0 s.</summary>
    private static double TimeToDownload() => Random.Shared.Next(5, 11) / (double)Say.TimeScale;

    /// <summary>What the two downloads of one script took, against the script's total.</summary>
    private static void Compare(double total, double d1, double d2) =>
        Console.WriteLine(Say.Invariant($"total {total:F2} s ≈ the longer download, {Math.Max(d1, d2):F2} s, not the sum, {d1 + d2:F2} s: the two threads downloaded at the same time"));

    /// <summary>第二种方法: Thread(target=download_task, args=(filename,)).</summary>
    private static class WithTarget
    {
        public static void Run()
        {
            double d1 = 0, d2 = 0;
            var start = Stopwatch.StartNew();

            // p1 = Thread(target=download_task, args=("Python入门教程.pdf",)): the lambda is the target and its arguments.
            var p1 = new Thread(() => d1 = DownloadTask("Python入门教程.pdf"));
            p1.Start();
            var p2 = new Thread(() => d2 = DownloadTask("程序员养身之道.pdf"));
            p2.Start();
            p1.Join();
            p2.Join();
            double total = start.Elapsed.TotalSeconds;
            Console.WriteLine(Say.Invariant($"总共耗费了{total:F2}秒."));

            // Threads share memory: the lambdas wrote d1 and d2 straight into this method's locals.
            Compare(total, d1, d2);
        }

        // def download_task(filename): ...  The seed only prints its time; ours also returns it.
        private static double DownloadTask(string filename)
        {
            Console.WriteLine($"开始下载: {filename}...");
            double timeToDownload = TimeToDownload();
            Thread.Sleep(TimeSpan.FromSeconds(timeToDownload));
            Console.WriteLine($"{filename} 下载完成! 耗费了{Say.Seconds(timeToDownload)}秒");
            return timeToDownload;
        }
    }

    /// <summary>第一种方法: class DownLoadTask(Thread) with its own run().</summary>
    private static class WithOwnType
    {
        public static void Run()
        {
            var start = Stopwatch.StartNew();
            var p1 = new DownloadTask("Python入门教程.pdf");
            var p2 = new DownloadTask("程序员养生之道.pdf");
            p1.Start();
            p2.Start();
            p1.Join();
            p2.Join();
            double total = start.Elapsed.TotalSeconds;
            Console.WriteLine(Say.Invariant($"总共耗费了{total:F2}秒."));
            Compare(total, p1.Seconds, p2.Seconds);
            Say.Note("System.Threading.Thread is sealed: C# cannot subclass it and override run(). The idiomatic equivalent is a type that owns a Thread whose target is its own Run(), with Start() and Join() passing through.");
        }

        /// <summary>The stand-in for subclassing <c>threading.Thread</c>: owns a thread that runs <see cref="Run"/>.</summary>
        private sealed class DownloadTask
        {
            private readonly string filename;
            private readonly Thread thread;

            public DownloadTask(string filename)
            {
                this.filename = filename;
                thread = new Thread(Run);
            }

            /// <summary>How long the download took, once it is done.</summary>
            public double Seconds { get; private set; }

            public void Start() => thread.Start();

            public void Join() => thread.Join();

            // def run(self): ...
            public void Run()
            {
                Console.WriteLine($"开始下载: {filename}...");
                double timeToDownload = TimeToDownload();
                Thread.Sleep(TimeSpan.FromSeconds(timeToDownload));
                Console.WriteLine($"{filename} 下载完成! 耗费了{Say.Seconds(timeToDownload)}秒");
                Seconds = timeToDownload;
            }
        }
    }

    /// <summary>start 和 run 方法的区别: who runs Run(), and how often Start() may be called.</summary>
    private static class StartVsRun
    {
        public static void Run()
        {
            Console.WriteLine($"the calling (main) thread: {Describe(Thread.CurrentThread)}");
            var task = new WhereAmI("Thread-1");

            Console.WriteLine("task.Run():");
            task.Run();  // run: 在主线程中调用了一个普通函数
            Console.WriteLine("task.Run() again:");
            task.Run();  // run: 可以重复调用

            Console.WriteLine("task.Start(); task.Join():");
            task.Start();  // start: 创建了一个子线程，线程名是自己命名的
            task.Join();

            Console.WriteLine("task.Start() again:");
            try
            {
                task.Start();  // start: 一个线程只能调用一次
            }
            catch (ThreadStateException e)
            {
                Console.WriteLine($"  {e.GetType().Name}: {e.Message}");
            }

            Say.Note("Python raises RuntimeError('threads can only be started once') for a second start(); .NET throws ThreadStateException.");
            Say.Note(".NET threads have no default name (Name is null, the main thread's too); Python names them MainThread and Thread-N. Where the tour prints a thread's name, it gives the thread the name Python would.");
        }

        private static string Describe(Thread thread) =>
            $"ManagedThreadId {thread.ManagedThreadId}, Name {(thread.Name is null ? "null" : $"\"{thread.Name}\"")}";

        /// <summary>A thread type of its own, as above, whose Run() says which thread runs it.</summary>
        private sealed class WhereAmI
        {
            private readonly Thread thread;

            public WhereAmI(string name) => thread = new Thread(Run) { Name = name };

            public void Start() => thread.Start();

            public void Join() => thread.Join();

            public void Run()
            {
                string who = Thread.CurrentThread == thread ? "the task's own thread, started by Start()" : "the caller's thread: a plain call";
                Console.WriteLine($"  Run() runs on {Describe(Thread.CurrentThread)}: {who}");
            }
        }
    }
}
