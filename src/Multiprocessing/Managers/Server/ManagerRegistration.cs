namespace Multiprocessing.Managers;

/// <summary>A factory registered with <see cref="ManagerOptions.Register{TInterface}(Func{TInterface})"/>.</summary>
/// <param name="Interface">The interface its objects are used through.</param>
/// <param name="Factory">The user's delegate (a <c>Func&lt;TInterface&gt;</c>), shipped to a manager process.</param>
/// <param name="Invoke">Calls it in this process.</param>
internal sealed record ManagerRegistration(CustomInterface Interface, Delegate Factory, Func<object?> Invoke);
