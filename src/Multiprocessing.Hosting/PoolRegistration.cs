namespace Multiprocessing.Hosting;

/// <summary>One pool registered in the container, by name: what the hosted service starts with the host.</summary>
/// <param name="Name">The name it was registered with: its service key and its configuration section's last part.</param>
internal sealed record PoolRegistration(string Name)
{
    /// <summary>The section, under the configuration's root, that holds the settings of every pool (<c>Multiprocessing:Pools</c>).</summary>
    public const string PoolsSection = "Multiprocessing:Pools";

    /// <summary>This pool's configuration section: <c>Multiprocessing:Pools:{name}</c>.</summary>
    public string Section => PoolsSection + ":" + Name;
}
