using System.Globalization;
using System.Text;
using Markdig;

namespace Multiprocessing.Bench.Workloads;

/// <summary>
/// W13's input and its call: generated Markdown documents (headings, paragraphs with emphasis, code and links,
/// nested lists, fenced code, tables, quotes) of uneven size, and Markdig's render of one file.
/// </summary>
internal static class MarkdownCorpus
{
    /// <summary>The smallest and largest document, in bytes; sizes are log-uniform between them.</summary>
    private const int MinBytes = 2 << 10, MaxBytes = 200 << 10;

    private static readonly string[] Words =
    [
        "process", "pool", "worker", "queue", "pipe", "lock", "semaphore", "manager", "chunk", "result", "render",
        "document", "parse", "token", "buffer", "memory", "shared", "signal", "child", "parent", "spawn", "fork",
        "start", "map", "apply", "timeout", "cancel", "error", "value", "array", "index", "table", "list", "item",
    ];

    /// <summary>The pipeline every render uses: Markdig's advanced extensions (tables, task lists, footnotes, ...).</summary>
    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder().UseAdvancedExtensions().Build();

    /// <summary>The call each item makes: reads the file and renders it to HTML.</summary>
    /// <returns>The HTML's length, which every way must agree on.</returns>
    public static int Render(string path) => Markdown.ToHtml(File.ReadAllText(path), Pipeline).Length;

    /// <summary>A warm-up for a worker: renders a 64 KB document that goes through the parsers and renderers the corpus uses, often enough that their hot methods are called past the tiering threshold.</summary>
    public static void WarmUp()
    {
        var text = new StringBuilder();
        AppendDocument(text, new Random(1), 64 << 10);
        if (Markdown.ToHtml(text.ToString(), Pipeline).Length == 0)
        {
            throw new InvalidOperationException("The warm-up document rendered to nothing.");
        }
    }

    /// <summary>Writes <paramref name="count"/> documents to <paramref name="folder"/>, the same for the same seed.</summary>
    /// <returns>Their paths.</returns>
    public static string[] Write(string folder, int count, int seed)
    {
        var random = new Random(seed);
        var paths = new string[count];
        var text = new StringBuilder();
        for (int i = 0; i < count; i++)
        {
            int size = (int)Math.Exp(Math.Log(MinBytes) + (random.NextDouble() * (Math.Log(MaxBytes) - Math.Log(MinBytes))));
            text.Clear();
            AppendDocument(text, random, size);
            paths[i] = Path.Combine(folder, $"doc{i:D4}.md");
            File.WriteAllText(paths[i], text.ToString());
        }

        return paths;
    }

    private static void AppendDocument(StringBuilder text, Random random, int size)
    {
        int section = 0;
        while (text.Length < size)
        {
            section++;
            text.Append(CultureInfo.InvariantCulture, $"## Section {section}: {Sentence(random, 4)}\n\n");
            switch (random.Next(6))
            {
                case 0:
                    for (int i = 0; i < 5; i++)
                    {
                        text.Append(CultureInfo.InvariantCulture, $"- {Sentence(random, 6)}\n  - [ ] nested *{Word(random)}* and `{Word(random)}()`\n");
                    }

                    break;
                case 1:
                    text.Append("```csharp\n");
                    for (int i = 0; i < 8; i++)
                    {
                        text.Append(CultureInfo.InvariantCulture, $"var {Word(random)}{i} = pool.{Word(random)}(x => x * {i});\n");
                    }

                    text.Append("```\n");
                    break;
                case 2:
                    text.Append("| name | value | note |\n|---|---:|:---|\n");
                    for (int i = 0; i < 6; i++)
                    {
                        text.Append(CultureInfo.InvariantCulture, $"| {Word(random)} | {random.Next(100_000)} | **{Word(random)}** {Word(random)} |\n");
                    }

                    break;
                case 3:
                    text.Append(CultureInfo.InvariantCulture, $"> {Sentence(random, 20)}\n> {Sentence(random, 12)}\n");
                    break;
                default:
                    for (int p = 0; p < 3; p++)
                    {
                        text.Append(CultureInfo.InvariantCulture, $"{Sentence(random, 25)} See [the {Word(random)}](https://example.org/{Word(random)}) and _{Word(random)}_, `{Word(random)}`. {Sentence(random, 15)}[^{section}]\n\n");
                    }

                    text.Append(CultureInfo.InvariantCulture, $"[^{section}]: {Sentence(random, 8)}\n");
                    break;
            }

            text.Append('\n');
        }
    }

    private static string Word(Random random) => Words[random.Next(Words.Length)];

    private static string Sentence(Random random, int words)
    {
        var s = new StringBuilder();
        for (int i = 0; i < words; i++)
        {
            string word = Word(random);
            s.Append(i == 0 ? char.ToUpperInvariant(word[0]) + word[1..] : " " + word);
        }

        return s.Append('.').ToString();
    }
}
