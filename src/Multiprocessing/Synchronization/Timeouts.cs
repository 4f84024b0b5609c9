using System.Globalization;

namespace Multiprocessing.Synchronization;

/// <summary>
/// The one place where "not in time" (a null or false from a <c>TryXxx</c>) becomes the
/// <see cref="TimeoutException"/> of its throwing form. The message is only made when thrown: the call that
/// succeeds allocates nothing for it.
/// </summary>
internal static class Timeouts
{
    /// <summary>The value, or a <see cref="TimeoutException"/> if it is null.</summary>
    /// <param name="value">What the trying form returned.</param>
    /// <param name="format">The message: <c>{0}</c> is <paramref name="name"/>, <c>{1}</c> the timeout.</param>
    /// <param name="name">The object's name.</param>
    /// <param name="timeout">The caller's timeout.</param>
    /// <exception cref="TimeoutException"><paramref name="value"/> is null.</exception>
    public static T ThrowIfNull<T>(T? value, string format, string name, TimeSpan? timeout)
        where T : struct =>
        value ?? throw Exception(format, name, timeout);

    /// <summary>The asynchronous form of <see cref="ThrowIfNull{T}(T?, string, string, TimeSpan?)"/>: no state machine if <paramref name="pending"/> is complete.</summary>
    /// <inheritdoc cref="ThrowIfNull{T}(T?, string, string, TimeSpan?)"/>
    public static ValueTask<T> ThrowIfNull<T>(ValueTask<T?> pending, string format, string name, TimeSpan? timeout)
        where T : struct
    {
        return pending.IsCompletedSuccessfully ? new(ThrowIfNull(pending.Result, format, name, timeout)) : Awaited(pending, format, name, timeout);

        static async ValueTask<T> Awaited(ValueTask<T?> pending, string format, string name, TimeSpan? timeout) =>
            ThrowIfNull(await pending.ConfigureAwait(false), format, name, timeout);
    }

    /// <summary>Throws a <see cref="TimeoutException"/> if <paramref name="done"/> is false.</summary>
    /// <param name="done">What the trying form returned.</param>
    /// <param name="format">The message: <c>{0}</c> is <paramref name="name"/>, <c>{1}</c> the timeout.</param>
    /// <param name="name">The object's name.</param>
    /// <param name="timeout">The caller's timeout.</param>
    /// <exception cref="TimeoutException"><paramref name="done"/> is false.</exception>
    public static void ThrowIfFalse(bool done, string format, string name, TimeSpan? timeout)
    {
        if (!done)
        {
            throw Exception(format, name, timeout);
        }
    }

    /// <summary>The asynchronous form of <see cref="ThrowIfFalse(bool, string, string, TimeSpan?)"/>: no state machine if <paramref name="pending"/> is complete.</summary>
    /// <inheritdoc cref="ThrowIfFalse(bool, string, string, TimeSpan?)"/>
    public static ValueTask ThrowIfFalse(ValueTask<bool> pending, string format, string name, TimeSpan? timeout)
    {
        if (pending.IsCompletedSuccessfully)
        {
            ThrowIfFalse(pending.Result, format, name, timeout);
            return ValueTask.CompletedTask;
        }

        return Awaited(pending, format, name, timeout);

        static async ValueTask Awaited(ValueTask<bool> pending, string format, string name, TimeSpan? timeout) =>
            ThrowIfFalse(await pending.ConfigureAwait(false), format, name, timeout);
    }

    /// <summary>The exception, its message made from <paramref name="format"/>.</summary>
    public static TimeoutException Exception(string format, string name, TimeSpan? timeout) =>
        new(string.Format(CultureInfo.InvariantCulture, format, name, timeout));
}
