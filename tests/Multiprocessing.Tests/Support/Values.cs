namespace Multiprocessing.Tests.Support;

public enum Color
{
    Red,
    Green,
    Blue,
}

/// <summary>Public enums cross (see <see cref="Visibility"/> for non-public ones).</summary>
[Flags]
public enum Permissions
{
    None = 0,
    Read = 1,
    Write = 2,
    Execute = 4,
}

/// <summary>A non-public enum, as most application enums are.</summary>
internal enum Visibility
{
    Hidden,
    Shown,
}

/// <summary>Non-public enums over other underlying types.</summary>
internal enum Tiny : byte
{
    Zero,
    Max = byte.MaxValue,
}

internal enum Signed : sbyte
{
    Min = sbyte.MinValue,
    Minus = -1,
}

internal enum Wide : long
{
    Min = long.MinValue,
    Max = long.MaxValue,
}

[Flags]
internal enum HugeFlags : ulong
{
    None = 0,
    Low = 1,
    High = 1UL << 63,
}

internal sealed record Address(string Street, int Number);

internal sealed record Person(string Name, int Age, Address? Home);

internal sealed record Inventory(string Owner, List<Person> People, Dictionary<string, List<int>> Scores, Dictionary<int, Address> ByNumber);

internal struct Measurement
{
    public double Value;
    public string Unit;
    public Color Color;
    public int? Count;
}

internal readonly record struct Point(int X, int Y);

/// <summary>A class whose state is only in private fields, built through a constructor the codec never calls.</summary>
internal sealed class Account
{
    private readonly string owner;
    private readonly List<decimal> history = [];
    private decimal balance;

    public Account(string owner, decimal opening)
    {
        this.owner = owner;
        Deposit(opening);
    }

    public string Owner => owner;

    public decimal Balance => balance;

    public IReadOnlyList<decimal> History => history;

    public void Deposit(decimal amount)
    {
        balance += amount;
        history.Add(amount);
    }
}

/// <summary>Facts a child reports about itself.</summary>
internal sealed record ChildFacts(string Name, int Id, int ParentId, bool IsChild, bool IsDaemon);

internal interface IShape
{
    double Area { get; }
}

internal sealed class Circle : IShape
{
    public double Radius { get; set; }

    public double Area => Math.PI * Radius * Radius;
}

internal sealed class Cargo
{
    public string Label { get; set; } = string.Empty;
}

/// <summary>A class with a field declared as object.</summary>
internal sealed class Envelope
{
    public object? Contents;
}

internal class Animal
{
    public string Name { get; set; } = string.Empty;
}

internal sealed class Dog : Animal
{
    public bool GoodBoy { get; set; } = true;
}

/// <summary>
/// A MessagePack-attributed type whose constructor checks its value: one that was changed after construction
/// encodes, but the receiver, which builds it through the constructor, refuses it.
/// </summary>
[MessagePack.MessagePackObject]
public sealed class Percentage
{
    [MessagePack.SerializationConstructor]
    public Percentage(int value)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(value);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(value, 100);
        Value = value;
    }

    [MessagePack.Key(0)]
    public int Value { get; set; }
}
