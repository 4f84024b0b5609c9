namespace Multiprocessing.Managers;

/// <summary>How a custom object's method returns.</summary>
internal enum CustomReturn : byte
{
    /// <summary>Returns a value, or nothing (void), directly.</summary>
    Direct,

    /// <summary>Returns a <see cref="Task"/> (completes with nothing).</summary>
    Task,

    /// <summary>Returns a <see cref="Task{TResult}"/>.</summary>
    TaskOfT,

    /// <summary>Returns a <see cref="ValueTask"/>.</summary>
    ValueTask,

    /// <summary>Returns a <see cref="ValueTask{TResult}"/>.</summary>
    ValueTaskOfT,
}
