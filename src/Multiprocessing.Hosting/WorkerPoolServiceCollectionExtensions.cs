using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Multiprocessing;
using Multiprocessing.Hosting;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Registers Multiprocessing.NET's worker pools in a service collection (the generic host's
/// <c>builder.Services</c>): each pool is a keyed singleton under its name, with its settings bound from
/// configuration, started with the host and drained when the host stops.
/// </summary>
/// <remarks>
/// <para><b>Resolving</b>: <c>[FromKeyedServices("render")] ProcessPool pool</c>, or
/// <c>sp.GetRequiredKeyedService&lt;WorkerPool&gt;("render")</c>: a pool is registered under its name both as its own
/// type (<see cref="ProcessPool"/> or <see cref="ThreadWorkerPool"/>) and as <see cref="WorkerPool"/>, one instance.</para>
/// <para><b>Settings</b>: the configuration section <c>Multiprocessing:Pools:{name}</c> first (appsettings.json,
/// environment variables such as <c>Multiprocessing__Pools__render__WorkerCount=2</c>, command-line arguments), then
/// the <c>configure</c> delegate, which may change what configuration set. The container needs an
/// <c>IConfiguration</c>, as every host has.</para>
/// <para><b>Start</b>: a hosted service, added with the first pool, makes every registered pool when the host starts
/// and waits until each has run one empty task per worker: its worker processes are started, their initializers
/// have run, and the first request does not pay for them. A pool that cannot be made (bad settings) or whose
/// initializer throws fails the host's start with an <see cref="InvalidOperationException"/> that names it. Without
/// a host (a bare service provider), a pool is made when it is first resolved.</para>
/// <para><b>Stop</b>: when the host stops, the hosted service closes every pool the container made (no new work),
/// lets their queued and running tasks finish until the host's shutdown timeout
/// (<c>HostOptions.ShutdownTimeout</c>, 30 s by default) runs out, then terminates what is left: those tasks fail
/// with a <see cref="PoolTerminatedException"/>, a process pool's workers are killed and waited for, and the pools
/// are disposed. A <see cref="ThreadWorkerPool"/> cannot stop a thread: a delegate still running then goes on, its
/// task failed, and is not waited for (the pool's own <c>Dispose</c>, and the end of the program, do wait for it).
/// Hosted services stop in the reverse order of their registration: register the pools before the services that
/// use them, so that those stop first and the pools drain their last tasks.</para>
/// <para><b>Health</b>: <see cref="WorkerPoolHealthChecksBuilderExtensions.AddWorkerPool"/>.</para>
/// </remarks>
/// <example>
/// <code>
/// var builder = Host.CreateApplicationBuilder(args);
/// builder.Services.AddProcessPool("render", o => o.WorkerCount ??= 4);
/// builder.Services.AddHealthChecks().AddWorkerPool("render");
/// using IHost host = builder.Build();
/// await host.StartAsync();
/// var pool = host.Services.GetRequiredKeyedService&lt;ProcessPool&gt;("render");
/// int[] squares = await pool.MapAsync((int x) => x * x, Enumerable.Range(0, 100));
/// await host.StopAsync();
/// </code>
/// </example>
public static class WorkerPoolServiceCollectionExtensions
{
    /// <summary>The configuration section that holds one subsection of settings per pool, by name: <c>Multiprocessing:Pools</c>.</summary>
    public const string ConfigurationSection = PoolRegistration.PoolsSection;

    /// <summary>Registers a <see cref="ProcessPool"/> named <paramref name="name"/>; see the class remarks.</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="name">The pool's name: its service key, its configuration section's last part (<c>Multiprocessing:Pools:{name}</c>) and, unless the settings give another, the name of the pool and its workers.</param>
    /// <param name="configure">Changes the settings after configuration has set them; null to take them as configured.</param>
    /// <returns><paramref name="services"/>, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> or <paramref name="name"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="name"/> is empty or white space, or a pool of that name is already registered.</exception>
    public static IServiceCollection AddProcessPool(this IServiceCollection services, string name, Action<HostedProcessPoolOptions>? configure = null) =>
        Add(services, name, configure, static (o, n, sp) => new ProcessPool(o.ToProcessPoolOptions(n, sp)));

    /// <summary>Registers a <see cref="ThreadWorkerPool"/> named <paramref name="name"/>; see the class remarks.</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="name">The pool's name: its service key, its configuration section's last part (<c>Multiprocessing:Pools:{name}</c>) and, unless the settings give another, the name of the pool and its threads.</param>
    /// <param name="configure">Changes the settings after configuration has set them; null to take them as configured.</param>
    /// <returns><paramref name="services"/>, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> or <paramref name="name"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="name"/> is empty or white space, or a pool of that name is already registered.</exception>
    public static IServiceCollection AddThreadWorkerPool(this IServiceCollection services, string name, Action<HostedPoolOptions>? configure = null) =>
        Add(services, name, configure, static (o, n, sp) => new ThreadWorkerPool(o.ToPoolOptions(n, sp)));

    /// <summary>The one body of both registrations.</summary>
    private static IServiceCollection Add<TOptions, TPool>(IServiceCollection services, string name, Action<TOptions>? configure, Func<TOptions, string, IServiceProvider, TPool> create)
        where TOptions : HostedPoolOptions
        where TPool : WorkerPool
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (services.Any(d => d.ServiceType == typeof(PoolRegistration) && d.ImplementationInstance is PoolRegistration r && r.Name == name))
        {
            throw new ArgumentException($"A pool named '{name}' is already registered; each pool needs a name of its own.", nameof(name));
        }

        var registration = new PoolRegistration(name);
        services.AddSingleton(registration);
        services.TryAddSingleton<PoolTracker>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, WorkerPoolHostedService>());

        OptionsBuilder<TOptions> options = services.AddOptions<TOptions>(name).BindConfiguration(registration.Section);
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.AddKeyedSingleton<TPool>(name, (sp, _) => Create(sp, registration, create));
        services.AddKeyedSingleton<WorkerPool>(name, static (sp, key) => sp.GetRequiredKeyedService<TPool>(key));
        return services;
    }

    /// <summary>Makes a pool from its settings and records it for the hosted service; bad settings throw an exception that names the pool.</summary>
    private static TPool Create<TOptions, TPool>(IServiceProvider sp, PoolRegistration registration, Func<TOptions, string, IServiceProvider, TPool> create)
        where TOptions : HostedPoolOptions
        where TPool : WorkerPool
    {
        TOptions settings = sp.GetRequiredService<IOptionsMonitor<TOptions>>().Get(registration.Name);

        TPool pool;
        try
        {
            pool = create(settings, registration.Name, sp);
        }
        catch (ArgumentException e)
        {
            throw new InvalidOperationException(
                $"The {typeof(TPool).Name} '{registration.Name}' cannot be made from its settings (configuration section {registration.Section}, then its configure delegate): {e.Message}",
                e);
        }

        sp.GetRequiredService<PoolTracker>().Add(registration.Name, pool);
        return pool;
    }
}
