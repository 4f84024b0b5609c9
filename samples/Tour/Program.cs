// The tour of Multiprocessing.NET: the runnable examples of the seed tutorial, one chapter each.
//   dotnet run --project samples/Tour                    runs every chapter in order
//   dotnet run --project samples/Tour -- <chapter>...    runs the named chapters
//   dotnet run --project samples/Tour -- --list          lists the chapters
// Children started by a chapter are relaunched copies of this program; they run their target, not this Main.
using Tour;

IReadOnlyList<IChapter> all = ChapterRegistry.All;

if (args is ["--list"] or ["-l"] or ["--help"] or ["-h"])
{
    PrintList(Console.Out);
    return 0;
}

var chosen = new List<IChapter>();
foreach (string name in args)
{
    IChapter? chapter = all.FirstOrDefault(c => string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase));
    if (chapter is null)
    {
        Console.Error.WriteLine($"Unknown chapter '{name}'. The chapters are:");
        PrintList(Console.Error);
        return 2;
    }

    chosen.Add(chapter);
}

if (chosen.Count == 0)
{
    chosen.AddRange(all);
}

for (int i = 0; i < chosen.Count; i++)
{
    if (i > 0)
    {
        Console.WriteLine();
    }

    Say.Header(chosen[i]);
    chosen[i].Run();
}

return 0;

void PrintList(TextWriter to)
{
    int width = all.Max(c => c.Name.Length);
    foreach (IChapter c in all)
    {
        to.WriteLine($"  {c.Name.PadRight(width)}  {c.Title}");
    }
}
