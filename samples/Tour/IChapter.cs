namespace Tour;

/// <summary>One chapter of the tour: the .NET port of one runnable example of the seed tutorial.</summary>
internal interface IChapter
{
    /// <summary>The name given on the command line, such as <c>process-basics</c>.</summary>
    string Name { get; }

    /// <summary>The seed's section title in Chinese, then an English gloss.</summary>
    string Title { get; }

    /// <summary>Runs the example. The runner has already printed the header line.</summary>
    void Run();
}
