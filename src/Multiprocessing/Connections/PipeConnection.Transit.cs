namespace Multiprocessing.Connections;

/// <summary>The hand-over of pipe ends to a child process being started.</summary>
internal sealed partial class PipeConnection
{
    /// <summary>
    /// The pipe ends encoded on this thread for the call of a child process being started. Encoding an end reserves
    /// a slot for it in the name of the sender (see <see cref="Messaging.Ring.ReserveEnd"/>), which would count as
    /// held for as long as the sender lives: once the child's pid is known (<see cref="AddressTo"/>) the reservations
    /// are addressed to the child, so they end when it exits without having taken its end; if the child is not
    /// started after all (its call could not be encoded, its launch failed), <see cref="Dispose"/> cancels them.
    /// </summary>
    internal sealed class Transit : IDisposable
    {
        [ThreadStatic]
        private static Transit? current;

        private readonly Transit? outer;
        private readonly List<PipeConnection> ends = [];
        private bool addressed;

        private Transit()
        {
            outer = current;
            current = this;
        }

        /// <summary>Begins recording the ends encoded on this thread, until <see cref="Dispose"/>.</summary>
        public static Transit Begin() => new();

        /// <summary>Addresses the reservations of the ends recorded to the process <paramref name="receiver"/>, before it can read its call.</summary>
        public void AddressTo(int receiver)
        {
            addressed = true;
            foreach (PipeConnection end in ends)
            {
                end.AddressReservation(receiver);
            }
        }

        /// <summary>Stops recording; cancels the reservations not addressed (the child was not started).</summary>
        public void Dispose()
        {
            current = outer;
            if (!addressed)
            {
                addressed = true;
                foreach (PipeConnection end in ends)
                {
                    end.AddressReservation(0);
                }
            }
        }

        /// <summary>Records an end just reserved, if a child's call is being encoded on this thread.</summary>
        internal static void Record(PipeConnection end) => current?.ends.Add(end);
    }

    /// <summary>Addresses this end's reservation made when it was encoded to <paramref name="receiver"/>; 0 cancels it.</summary>
    private void AddressReservation(int receiver)
    {
        // Closed meanwhile by another thread: its mapping may be gone, and the reservation stays the sender's.
        if (!segment.TryEnter())
        {
            return;
        }

        try
        {
            reader?.AddressReservation(writer: false, receiver);
            writer?.AddressReservation(writer: true, receiver);
        }
        finally
        {
            segment.Leave();
        }
    }
}
