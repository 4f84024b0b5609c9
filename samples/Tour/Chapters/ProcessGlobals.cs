using Multiprocessing;

namespace Tour.Chapters;

/// <summary>
/// Seed: Python 中的多进程 › 进程间数据共享. A global list is not shared: each child appends to its own copy, and the
/// parent's list stays empty.
/// </summary>
internal sealed class ProcessGlobals : IChapter
{
    // lis = []
    private static readonly List<int> Lis = [];

    public string Name => "process-globals";

    public string Title => "进程间数据共享 (sharing data between processes: a global list is not shared)";

    public void Run()
    {
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

        Console.WriteLine($"The global list is: [{string.Join(", ", Lis)}]");
        Say.Note("the seed prints this line before its children run (it never joins); the tour joins first, so the list is empty even after all five children appended to theirs.");
        Say.Note("each .NET child starts a fresh runtime, so a static field starts at its initial value there, as under Python's spawn; nothing the parent puts in it reaches a child.");
    }

    // def foo(i): lis.append(i); print(...)
    private static void Foo(int i)
    {
        Lis.Add(i);

        // Python prints id(lis), the list's address, different in every child. An address means little in .NET;
        // the pid says whose copy this is.
        Console.WriteLine($"lis is: [{string.Join(", ", Lis)}], pid {CurrentProcess.Id}: {CurrentProcess.Name}'s own copy of the static list");
    }
}
