using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Multiprocessing.Tests.Diagnostics;

/// <summary>
/// A <see cref="MeterListener"/> on the meter <c>Multiprocessing</c> (the shared one, or those a given factory
/// made) that keeps every measurement; tests pick theirs by pool or queue name, since other tests' pools record
/// in the shared meter at the same time.
/// </summary>
internal sealed class MetricsRecorder : IDisposable
{
    private readonly MeterListener listener = new();
    private readonly ConcurrentQueue<Recorded> seen = new();
    private readonly ConcurrentQueue<Recorded> observed = new();

    /// <param name="scope">The factory whose meters to listen to; null for the shared meter (which has no scope).</param>
    public MetricsRecorder(IMeterFactory? scope = null)
    {
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "Multiprocessing" && ReferenceEquals(instrument.Meter.Scope, scope))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<double>((i, v, tags, _) => Keep(new(i, v, ToDictionary(tags))));
        listener.SetMeasurementEventCallback<long>((i, v, tags, _) => Keep(new(i, v, ToDictionary(tags))));
        listener.SetMeasurementEventCallback<int>((i, v, tags, _) => Keep(new(i, v, ToDictionary(tags))));
        listener.Start();
    }

    /// <summary>The measurements of the synchronous <paramref name="instrument"/> recorded so far whose <paramref name="tag"/> is <paramref name="value"/>.</summary>
    public List<Recorded> Of(string instrument, string tag, string value) =>
        [.. seen.Where(r => r.Instrument.Name == instrument && Equals(r.Tags.GetValueOrDefault(tag), value))];

    /// <summary>Every measurement of <paramref name="instrument"/> recorded so far.</summary>
    public List<Recorded> All(string instrument) => [.. seen.Where(r => r.Instrument.Name == instrument)];

    /// <summary>Observes the observable instruments now, and returns what <paramref name="instrument"/> reported for <paramref name="tag"/> = <paramref name="value"/>.</summary>
    public List<Recorded> Observe(string instrument, string tag, string value)
    {
        observed.Clear();
        listener.RecordObservableInstruments();
        return [.. observed.Where(r => r.Instrument.Name == instrument && Equals(r.Tags.GetValueOrDefault(tag), value))];
    }

    public void Dispose() => listener.Dispose();

    private void Keep(Recorded r) => (r.Instrument.IsObservable ? observed : seen).Enqueue(r);

    private static Dictionary<string, object?> ToDictionary(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var d = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (KeyValuePair<string, object?> t in tags)
        {
            d[t.Key] = t.Value;
        }

        return d;
    }

    /// <summary>One measurement: its instrument, value and attributes.</summary>
    internal sealed record Recorded(Instrument Instrument, double Value, Dictionary<string, object?> Tags)
    {
        public object? this[string tag] => Tags.GetValueOrDefault(tag);
    }
}
