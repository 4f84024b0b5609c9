using Multiprocessing;

namespace Tour.Chapters;

/// <summary>
/// Seed: Python 中的多进程 › 代码示例 › 一般用法. Five children each print their name, their parent's pid and
/// their own pid.
/// </summary>
internal sealed class ProcessBasics : IChapter
{
    public string Name => "process-basics";

    public string Title => "一般用法 (general usage: five child processes print their name and pids)";

    public void Run()
    {
        // for i in range(5): p = multiprocessing.Process(target=foo, args=(i,)); p.start()
        var children = new List<ChildProcess>();
        for (int i = 0; i < 5; i++)
        {
            children.Add(ChildProcess.Start(Foo, i));
        }

        foreach (ChildProcess p in children)
        {
            p.Join();
            p.Dispose();
        }

        Say.Note("the seed never joins its children; the tour joins all five, so their lines come before these notes. (At exit a .NET parent waits for its non-daemon children anyway, as Python does.)");
        Say.Note($"Python names children Process-N, .NET ChildProcess-N. The 父进程 id above is this process: {CurrentProcess.Name}, pid {CurrentProcess.Id}.");
    }

    // def foo(i): ...  (i is the argument; the seed does not use it either)
    private static void Foo(int i)
    {
        _ = i;
        int ppid = CurrentProcess.ParentId;  // os.getppid()
        int pid = CurrentProcess.Id;         // os.getpid()
        string pname = CurrentProcess.Name;  // multiprocessing.current_process().name
        Console.WriteLine($"这里是: {pname}, 父进程 id: {ppid}, 当前子进程 id: {pid}");
    }
}
