using System.Reflection;

namespace Multiprocessing.Processes;

/// <summary>A decoded call: the method, its target object (null for static methods) and its arguments.</summary>
internal sealed record DecodedCall(ChildIdentity Identity, MethodInfo Method, object? Target, object?[] Args);
