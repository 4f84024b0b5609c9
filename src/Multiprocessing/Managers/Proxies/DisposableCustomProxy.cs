namespace Multiprocessing.Managers;

/// <summary>A <see cref="CustomProxy"/> of an interface that does not extend <see cref="IDisposable"/>, made disposable.</summary>
internal class DisposableCustomProxy : CustomProxy, IDisposable
{
    /// <summary>Closes this proxy's connection to the manager, which drops the object if nothing else holds it.</summary>
    public void Dispose() => Close();
}
