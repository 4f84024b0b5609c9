// A generic-host app with a process pool (Multiprocessing.Hosting).
//
// The pool "render" is registered by name: its settings come from appsettings.json (Multiprocessing:Pools:render),
// then environment variables (Multiprocessing__Pools__render__WorkerCount=2), then the delegate below. The host
// starts it warm, a background service resolves it by key and maps over it, and when the host stops (at the end of
// the job, or on Ctrl+C / SIGTERM with Sample__WaitForStop=true) the pool finishes its tasks within the host's
// shutdown timeout, is terminated past it, and leaves no worker process behind.
using HostedPool;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

HostApplicationBuilder builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
{
    Args = args,
    ContentRootPath = AppContext.BaseDirectory, // appsettings.json beside the app, wherever it is started from
});

// Pools first: hosted services stop in reverse order, so the job below stops before the pool drains.
builder.Services.AddProcessPool("render", o => o.TaskTimeout ??= TimeSpan.FromMinutes(1));
builder.Services.AddHealthChecks().AddWorkerPool("render");
builder.Services.AddHostedService<RenderJob>();

using IHost host = builder.Build();
await host.RunAsync();
Console.WriteLine("host stopped");
