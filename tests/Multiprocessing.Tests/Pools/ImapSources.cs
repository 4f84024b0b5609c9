namespace Multiprocessing.Tests.Pools;

/// <summary>Inputs for the Imap tests.</summary>
internal static class ImapSources
{
    /// <summary>The message of the exception <see cref="ThrowsAtItem3"/> throws.</summary>
    public const string SourceFailure = "the source cannot read item 3";

    /// <summary>Yields 0, 1 and 2, then throws a <see cref="FormatException"/> when asked for item 3.</summary>
    public static IEnumerable<int> ThrowsAtItem3()
    {
        for (int i = 0; ; i++)
        {
            if (i == 3)
            {
                throw new FormatException(SourceFailure);
            }

            yield return i;
        }
    }
}
