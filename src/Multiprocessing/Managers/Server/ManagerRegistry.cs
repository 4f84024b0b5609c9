using System.Reflection;
using System.Text;
using Multiprocessing.Codec;
using Multiprocessing.Processes;

namespace Multiprocessing.Managers;

/// <summary>
/// The factories a manager's server makes custom objects with, by interface key (<see cref="CustomInterface.Key"/>).
/// A client names only a key that the manager's own registrations put here, so it can make only the objects the
/// manager's owner chose; the wire never names a type to instantiate.
/// </summary>
internal sealed class ManagerRegistry
{
    public static readonly ManagerRegistry Empty = new([]);

    private readonly Dictionary<string, (CustomInterface Interface, Func<object?> Create)> entries;

    private ManagerRegistry(Dictionary<string, (CustomInterface Interface, Func<object?> Create)> entries) => this.entries = entries;

    /// <summary>The registry of a manager served in this process: the delegates are called as they are.</summary>
    public static ManagerRegistry InProcess(IReadOnlyCollection<ManagerRegistration>? registrations)
    {
        if (registrations is null || registrations.Count == 0)
        {
            return Empty;
        }

        return new(registrations.ToDictionary(r => r.Interface.Key, r => (r.Interface, r.Invoke), StringComparer.Ordinal));
    }

    /// <summary>
    /// Encodes the registrations for a manager's child process: each interface by assembly and metadata token,
    /// each factory as <see cref="ChildProcess"/> ships a delegate (its method, and its captured variables encoded).
    /// </summary>
    /// <returns>The payload, or null if there is nothing to ship.</returns>
    /// <exception cref="ArgumentException">A factory cannot be shipped (it captures something that cannot be encoded, or is not a method of the app's own assemblies).</exception>
    public static byte[]? Encode(IReadOnlyCollection<ManagerRegistration>? registrations, Action? initializer, string paramName)
    {
        registrations ??= [];
        if (registrations.Count == 0 && initializer is null)
        {
            return null;
        }

        using var output = new MemoryStream();
        using (var writer = new BinaryWriter(output, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(registrations.Count);
            foreach (ManagerRegistration r in registrations)
            {
                byte[] factory;
                try
                {
                    factory = DelegatePayload.EncodeFunction(r.Factory);
                }
                catch (ArgumentException e)
                {
                    throw new ArgumentException(
                        $"The factory registered for {TypeNames.Display(r.Interface.Type)} cannot be shipped to the manager's process: {e.Message} " +
                        "Register a static method or a lambda whose captured variables can be encoded, or serve the manager in this process with Manager.Serve.",
                        paramName,
                        e);
                }

                var refs = new TypeRefs();
                using var body = new MemoryStream();
                using (var bodyWriter = new BinaryWriter(body, Encoding.UTF8, leaveOpen: true))
                {
                    refs.WriteType(bodyWriter, r.Interface.Type);
                }

                refs.WriteTable(writer);
                writer.Write((int)body.Length);
                writer.Write(body.GetBuffer(), 0, (int)body.Length);
                writer.Write(factory.Length);
                writer.Write(factory);
            }

            // The initializer, after the factories: a length of 0 for none.
            byte[] init = initializer is null ? [] : EncodeInitializer(initializer, paramName);
            writer.Write(init.Length);
            writer.Write(init);
        }

        return output.ToArray();
    }

    /// <summary>What the manager's process runs before it serves (<see cref="ManagerOptions.Initializer"/>); null for nothing.</summary>
    public Action? Initializer { get; private init; }

    /// <summary>Decodes <see cref="Encode"/>'s payload in the manager's process.</summary>
    /// <exception cref="VersionMismatchException">The manager's process does not run the same build.</exception>
    public static ManagerRegistry Decode(byte[]? payload)
    {
        if (payload is null)
        {
            return Empty;
        }

        using var reader = new BinaryReader(new MemoryStream(payload, writable: false));
        int count = reader.ReadInt32();
        var entries = new Dictionary<string, (CustomInterface, Func<object?>)>(count, StringComparer.Ordinal);
        for (int i = 0; i < count; i++)
        {
            Assembly[] table = TypeRefs.ReadTable(reader);
            using var body = new BinaryReader(new MemoryStream(reader.ReadBytes(reader.ReadInt32())));
            CustomInterface contract = CustomInterface.For(TypeRefs.ReadType(body, table));
            (MethodInfo method, object? target) = DelegatePayload.DecodeFunction(reader.ReadBytes(reader.ReadInt32()));
            entries[contract.Key] = (contract, () => method.Invoke(target, BindingFlags.DoNotWrapExceptions, null, [], null));
        }

        Action? initializer = null;
        int initLength = reader.ReadInt32();
        if (initLength > 0)
        {
            (MethodInfo method, object? target) = DelegatePayload.DecodeFunction(reader.ReadBytes(initLength));
            initializer = () => method.Invoke(target, BindingFlags.DoNotWrapExceptions, null, [], null);
        }

        return new(entries) { Initializer = initializer };
    }

    private static byte[] EncodeInitializer(Action initializer, string paramName)
    {
        try
        {
            return DelegatePayload.EncodeFunction(initializer);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException(
                $"The manager's initializer cannot be shipped to the manager's process: {e.Message} " +
                "Use a static method or a lambda whose captured variables can be encoded, or serve the manager in this process with Manager.Serve.",
                paramName,
                e);
        }
    }

    /// <summary>Writes what a client's <see cref="ManagerOp.Create"/> of a custom object carries after the name: the interface's key (framed) and fingerprint.</summary>
    public static void WriteRequest(WireBuffer args, CustomInterface contract)
    {
        args.WriteFramed(Encoding.UTF8.GetBytes(contract.Key));
        args.WriteInt32(contract.Fingerprint);
    }

    /// <summary>Makes the object a client asked for (see <see cref="WriteRequest"/>) with its registered factory.</summary>
    /// <exception cref="InvalidOperationException">The interface is not registered in this manager, or the client's build of it differs, or the factory returned null or an object that does not implement it.</exception>
    public CustomObject Create(ReadOnlySpan<byte> request)
    {
        (string key, int fingerprint) = ReadRequest(request);
        if (!entries.TryGetValue(key, out (CustomInterface Interface, Func<object?> Create) entry))
        {
            throw new InvalidOperationException(
                $"This manager has no factory for the interface {DisplayKey(key)}: register one with ManagerOptions.Register before the manager starts (registered here: {(entries.Count == 0 ? "none" : string.Join(", ", entries.Keys.Select(DisplayKey)))}).");
        }

        if (fingerprint != entry.Interface.Fingerprint)
        {
            throw new InvalidOperationException($"The client's build of {DisplayKey(key)} differs from the manager's (the two must run the same assembly).");
        }

        object instance = entry.Create() ?? throw new InvalidOperationException($"The factory registered for {DisplayKey(key)} returned null.");
        return entry.Interface.Type.IsInstanceOfType(instance)
            ? new CustomObject(entry.Interface, instance)
            : throw new InvalidOperationException($"The factory registered for {DisplayKey(key)} returned a {TypeNames.Display(instance.GetType())}, which does not implement it.");
    }

    /// <summary>Checks that the named object a client found is of the interface it asked for.</summary>
    /// <exception cref="InvalidOperationException">The name belongs to an object of another interface.</exception>
    public static void CheckSame(IManagedObject found, ReadOnlySpan<byte> request, string name)
    {
        (string key, int fingerprint) = ReadRequest(request);
        if (found is CustomObject custom && custom.Interface.Key != key)
        {
            throw new InvalidOperationException($"The name '{name}' belongs to a {TypeNames.Display(custom.Interface.Type)} in this manager, not a {DisplayKey(key)}.");
        }

        (found as CustomObject)?.CheckFingerprint(fingerprint);
    }

    private static (string Key, int Fingerprint) ReadRequest(ReadOnlySpan<byte> request)
    {
        var reader = new WireReader(request);
        string key = Encoding.UTF8.GetString(reader.ReadFramed());
        if (reader.Rest.Length < 4)
        {
            throw new InvalidDataException("A request for a custom object is truncated.");
        }

        return (key, reader.ReadInt32());
    }

    /// <summary>The type's full name from a key (<c>assembly:full name</c>).</summary>
    private static string DisplayKey(string key) => key[(key.IndexOf(':', StringComparison.Ordinal) + 1)..];
}
