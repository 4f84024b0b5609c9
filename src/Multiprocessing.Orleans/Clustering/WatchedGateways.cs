using Microsoft.Extensions.DependencyInjection;
using Orleans.Messaging;

namespace Multiprocessing.Clustering;

/// <summary>
/// The gateway list of a <see cref="ClusterPool"/>'s client, as its clustering provider gives it (a local cluster's
/// <see cref="LocalGateways"/>, or whatever membership provider a <see cref="ClusterPool.Connect"/> configured), watched
/// for changes: a silo added or lost. An Orleans client keeps each grain on the gateway it first chose for it, so a
/// silo that joins gets no call of the pool's lanes until they take new grain keys; <see cref="Changed"/> tells them when.
/// </summary>
internal sealed class WatchedGateways(IGatewayListProvider inner) : IGatewayListProvider
{
    private string[] served = [];
    private bool changed;

    /// <summary>
    /// Raised once the client has taken a changed list: on the read after the one that changed it (Orleans installs
    /// a list right after it reads it, so by then the client sends to the new gateways). The client reads the list
    /// every <c>GatewayOptions.GatewayListRefreshPeriod</c> (Orleans' default: a minute).
    /// </summary>
    public event Action? Changed;

    /// <inheritdoc/>
    public TimeSpan MaxStaleness => inner.MaxStaleness;

    /// <inheritdoc/>
    public bool IsUpdatable => true; // Orleans reads every provider again (the property is obsolete).

    /// <inheritdoc/>
    public Task InitializeGatewayListProvider() => inner.InitializeGatewayListProvider();

    /// <inheritdoc/>
    public async Task<IList<Uri>> GetGateways()
    {
        IList<Uri> gateways = await inner.GetGateways().ConfigureAwait(false);
        string[] now = [.. gateways.Select(g => g.ToString()).Order(StringComparer.Ordinal)];
        Action? raise = null;
        lock (this)
        {
            if (changed)
            {
                changed = false;
                raise = Changed;
            }

            if (!now.AsSpan().SequenceEqual(served))
            {
                changed = served.Length > 0; // Not the first read.
                served = now;
            }
        }

        raise?.Invoke();
        return gateways;
    }

    /// <summary>
    /// Replaces the gateway list provider a client's configuration registered with one that watches it (registered
    /// as <see cref="WatchedGateways"/> too). If the configuration registered none, nothing is watched, and the client
    /// fails to start with Orleans' own message.
    /// </summary>
    public static void Decorate(IServiceCollection services)
    {
        ServiceDescriptor? registered = services.LastOrDefault(d => d.ServiceType == typeof(IGatewayListProvider) && !d.IsKeyedService);
        if (registered is null)
        {
            return;
        }

        services.Remove(registered);
        services.AddSingleton(provider => new WatchedGateways(Create(registered, provider)));
        services.AddSingleton<IGatewayListProvider>(static provider => provider.GetRequiredService<WatchedGateways>());
    }

    private static IGatewayListProvider Create(ServiceDescriptor registered, IServiceProvider provider) =>
        registered.ImplementationInstance as IGatewayListProvider
        ?? registered.ImplementationFactory?.Invoke(provider) as IGatewayListProvider
        ?? (IGatewayListProvider)ActivatorUtilities.CreateInstance(provider, registered.ImplementationType!);
}
