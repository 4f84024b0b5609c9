using System.Security.Cryptography;
using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.Codec;

/// <summary>Arguments are encoded as their declared type, rebuilt in the child, and results come back the same way.</summary>
public sealed class RoundTripTests
{
    private static T Echo<T>(T value)
    {
        using ChildProcess<T> child = ChildProcess.Start<T, T>(StaticTargets.Echo, value);
        T result = child.ResultOrFail();
        Assert.Equal(0, child.ExitCode);
        return result;
    }

    [Fact]
    public void RoundTrip_RecordWithNestedListAndDictionary_ArrivesInChildAndComesBackEqual()
    {
        var inventory = new Inventory(
            "Grace",
            [new Person("Ada", 36, new Address("St James's Square", 12)), new Person("Alan", 41, null)],
            new Dictionary<string, List<int>> { ["maths"] = [1, 2, 3], ["empty"] = [] },
            new Dictionary<int, Address> { [7] = new Address("Bletchley", 7) });

        // The child reads the decoded value and returns both a summary and the value itself.
        using ChildProcess<(string Summary, Inventory Back)> child = ChildProcess.Start(
            (Inventory inv) => ($"{inv.Owner}:{inv.People.Count}:{inv.People[0].Home!.Street}:{inv.Scores["maths"].Sum()}:{inv.ByNumber[7].Street}", inv),
            inventory);
        (string summary, Inventory back) = child.ResultOrFail();

        Assert.Equal("Grace:2:St James's Square:6:Bletchley", summary);
        Assert.Equal("Grace", back.Owner);
        Assert.Equal(inventory.People, back.People); // Person and Address are records: value equality
        Assert.Equal(["empty", "maths"], back.Scores.Keys.Order());
        Assert.Equal([1, 2, 3], back.Scores["maths"]);
        Assert.Empty(back.Scores["empty"]);
        Assert.Equal(new Address("Bletchley", 7), Assert.Single(back.ByNumber).Value);
    }

    [Fact]
    public void RoundTrip_ClassWithPrivateFields_KeepsEveryField()
    {
        var account = new Account("Linus", 10m);
        account.Deposit(2.5m);

        using ChildProcess<Account> child = ChildProcess.Start((Account a) =>
        {
            a.Deposit(100m); // runs on the child's copy, which must have its private list
            return a;
        }, account);
        Account back = child.ResultOrFail();

        Assert.Equal("Linus", back.Owner);
        Assert.Equal(112.5m, back.Balance);
        Assert.Equal([10m, 2.5m, 100m], back.History);
        Assert.Equal(12.5m, account.Balance); // the caller's object is untouched
    }

    [Fact]
    public void RoundTrip_Structs_KeepEveryField()
    {
        var m = new Measurement { Value = 3.25, Unit = "kg", Color = Color.Blue, Count = 7 };
        var empty = new Measurement { Value = -1, Unit = null!, Color = Color.Red, Count = null };

        (Measurement, Measurement, Point) back = Echo((m, empty, new Point(-3, 9)));

        Assert.Equal(3.25, back.Item1.Value);
        Assert.Equal("kg", back.Item1.Unit);
        Assert.Equal(Color.Blue, back.Item1.Color);
        Assert.Equal(7, back.Item1.Count);
        Assert.Equal(-1, back.Item2.Value);
        Assert.Null(back.Item2.Unit);
        Assert.Null(back.Item2.Count);
        Assert.Equal(new Point(-3, 9), back.Item3);
    }

    [Fact]
    public void RoundTrip_ArrayOfRecords_KeepsOrderNullElementsAndNullMembers()
    {
        Person?[] people = [new Person("A", 1, new Address("X", 1)), null, new Person("B", 2, null)];

        Person?[] back = Echo(people);

        Assert.Equal(people, back);
        Assert.Null(back[1]);
        Assert.Null(back[2]!.Home);
    }

    [Fact]
    public void RoundTrip_ListsDictionariesAndTuples_AreEqual()
    {
        var list = new List<string> { "a", string.Empty, "ünïcødé ✓" };
        var byGuid = new Dictionary<Guid, Person> { [new Guid("0f8fad5b-d9cb-469f-a165-70867728950e")] = new Person("G", 3, null) };
        var tuple = Tuple.Create(1, "one");

        (List<string> List, Dictionary<Guid, Person> ByGuid, Tuple<int, string> Tuple, (int, string, Color) ValueTuple) back =
            Echo((list, byGuid, tuple, (5, "five", Color.Green)));

        Assert.Equal(list, back.List);
        Assert.Equal(byGuid, back.ByGuid);
        Assert.Equal(tuple, back.Tuple);
        Assert.Equal((5, "five", Color.Green), back.ValueTuple);
    }

    [Fact]
    public void RoundTrip_EnumsAndNullables_AreEqual()
    {
        (Color, Permissions, Color, int?, int?, Point?, Point?) value =
            (Color.Blue, Permissions.Read | Permissions.Execute, (Color)42, null, -5, null, new Point(1, 1));

        Assert.Equal(value, Echo(value));
    }

    [Fact]
    public void RoundTrip_PrimitivesGuidTimeSpanAndDateTimeOffset_AreEqual()
    {
        (decimal, char, byte, ulong, long, float, double, string, Guid, TimeSpan, DateTimeOffset) value = (
            79228162514264337593543950335m, '✓', (byte)255, ulong.MaxValue, long.MinValue, 1.5f, double.Epsilon, "line1\nline2\0end",
            Guid.NewGuid(), TimeSpan.FromTicks(123456789), new DateTimeOffset(2024, 2, 29, 23, 59, 58, TimeSpan.FromHours(5.5)).AddTicks(1234));

        Assert.Equal(value, Echo(value));
    }

    [Fact]
    public void RoundTrip_UtcDateTime_KeepsTicksAndKind()
    {
        DateTime utc = new DateTime(2024, 1, 2, 3, 4, 5, DateTimeKind.Utc).AddTicks(6789);

        DateTime back = Echo(utc);

        Assert.Equal(utc.Ticks, back.Ticks);
        Assert.Equal(DateTimeKind.Utc, back.Kind);
    }

    [Fact]
    public void RoundTrip_UnspecifiedAndLocalDateTime_KeepTicksAndKind()
    {
        DateTime unspecified = new DateTime(2023, 6, 7, 8, 9, 10, DateTimeKind.Unspecified).AddTicks(1);
        DateTime local = new DateTime(2022, 12, 31, 23, 0, 0, DateTimeKind.Local);

        (DateTime Unspecified, DateTime Local) back = Echo((unspecified, local));

        Assert.Equal(
            (unspecified.Ticks, DateTimeKind.Unspecified, local.Ticks, DateTimeKind.Local),
            (back.Unspecified.Ticks, back.Unspecified.Kind, back.Local.Ticks, back.Local.Kind));
    }

    [Fact]
    public void RoundTrip_DateTimesInNullablesArraysListsKeysAndEdges_KeepTicksAndKind()
    {
        DateTime local = new DateTime(2021, 3, 4, 5, 6, 7, DateTimeKind.Local).AddTicks(89);
        DateTime unspecified = new(2020, 1, 1, 0, 0, 0, DateTimeKind.Unspecified);
        DateTime utc = new(1999, 12, 31, 23, 59, 59, DateTimeKind.Utc);
        DateTime[] edges = [DateTime.MinValue, DateTime.MaxValue, DateTime.SpecifyKind(DateTime.MaxValue, DateTimeKind.Local), DateTime.SpecifyKind(DateTime.MinValue, DateTimeKind.Utc)];
        var byTime = new Dictionary<DateTime, string> { [local] = "local", [unspecified] = "unspecified" };

        (DateTime?, DateTime?, DateTime[], List<DateTime>, Dictionary<DateTime, string>) back =
            Echo(((DateTime?)local, (DateTime?)null, edges, new List<DateTime> { utc, unspecified, local }, byTime));

        static (long, DateTimeKind) Exact(DateTime d) => (d.Ticks, d.Kind);
        Assert.Equal(Exact(local), Exact(back.Item1!.Value));
        Assert.Null(back.Item2);
        Assert.Equal(edges.Select(Exact), back.Item3.Select(Exact));
        Assert.Equal(new[] { utc, unspecified, local }.Select(Exact), back.Item4.Select(Exact));
        Assert.Equal(byTime.Keys.Select(Exact).Order(), back.Item5.Keys.Select(Exact).Order());
        Assert.Equal("local", back.Item5[local]);
    }

    [Fact]
    public void RoundTrip_DateTimeInObjectSlot_KeepsTicksAndKind()
    {
        DateTime local = new DateTime(2022, 12, 31, 23, 0, 0, DateTimeKind.Local).AddTicks(5);
        DateTime unspecified = new(2023, 6, 7, 8, 9, 10, DateTimeKind.Unspecified);

        using ChildProcess<(string InChild, Envelope Local, Envelope Unspecified)> child = ChildProcess.Start(
            (Envelope a, Envelope b) => ($"{((DateTime)a.Contents!).Kind}:{((DateTime)a.Contents!).Ticks};{((DateTime)b.Contents!).Kind}:{((DateTime)b.Contents!).Ticks}", a, b),
            new Envelope { Contents = local },
            new Envelope { Contents = unspecified });
        (string inChild, Envelope backLocal, Envelope backUnspecified) = child.ResultOrFail();

        Assert.Equal($"Local:{local.Ticks};Unspecified:{unspecified.Ticks}", inChild);
        DateTime l = Assert.IsType<DateTime>(backLocal.Contents);
        DateTime u = Assert.IsType<DateTime>(backUnspecified.Contents);
        Assert.Equal((local.Ticks, DateTimeKind.Local, unspecified.Ticks, DateTimeKind.Unspecified), (l.Ticks, l.Kind, u.Ticks, u.Kind));
    }

    [Fact]
    public void RoundTrip_NonPublicEnum_IsEqual()
    {
        Assert.Equal(Visibility.Shown, Echo(Visibility.Shown));
    }

    [Fact]
    public void RoundTrip_NonPublicEnumsOfEveryWidth_KeepTheirValues()
    {
        (Tiny, Signed, Wide, Wide, HugeFlags, HugeFlags, Visibility) value =
            (Tiny.Max, Signed.Min, Wide.Min, Wide.Max, HugeFlags.Low | HugeFlags.High, (HugeFlags)12345, (Visibility)(-7));

        Assert.Equal(value, Echo(value));
    }

    [Fact]
    public void RoundTrip_NullableNonPublicEnumsAndEnumKeys_AreEqual()
    {
        var byVisibility = new Dictionary<Visibility, string> { [Visibility.Hidden] = "h", [Visibility.Shown] = "s" };
        var byWidth = new Dictionary<Wide, List<Visibility?>> { [Wide.Max] = [Visibility.Shown, null], [Wide.Min] = [] };
        var set = new HashSet<Tiny> { Tiny.Zero, Tiny.Max };

        (Visibility?, Visibility?, Tiny?[], Dictionary<Visibility, string>, Dictionary<Wide, List<Visibility?>>, HashSet<Tiny>) back =
            Echo(((Visibility?)Visibility.Shown, (Visibility?)null, new Tiny?[] { null, Tiny.Max }, byVisibility, byWidth, set));

        Assert.Equal(Visibility.Shown, back.Item1);
        Assert.Null(back.Item2);
        Assert.Equal([null, Tiny.Max], back.Item3);
        Assert.Equal(byVisibility, back.Item4);
        Assert.Equal([Wide.Min, Wide.Max], back.Item5.Keys.Order());
        Assert.Equal([Visibility.Shown, null], back.Item5[Wide.Max]);
        Assert.Empty(back.Item5[Wide.Min]);
        Assert.Equal(set, back.Item6);
    }

    [Fact]
    public void RoundTrip_NonPublicEnumAsCapturedVariableAndField_ArrivesInChild()
    {
        Visibility captured = Visibility.Shown;
        var m = new Measurement { Value = 1, Unit = "u", Color = Color.Green, Count = 1 };
        using ChildProcess<string> child = ChildProcess.Start((Measurement x) => $"{captured}/{x.Color}", m);

        Assert.Equal("Shown/Green", child.ResultOrFail());
    }

    [Fact]
    public void RoundTrip_NullArgumentsAndNullResult_ArriveAsNull()
    {
        using ChildProcess<string?> child = ChildProcess.Start(
            (string? s, Person? p, List<int>? l, int[]? a) => s is null && p is null && l is null && a is null ? null : "something was not null",
            (string?)null,
            (Person?)null,
            (List<int>?)null,
            (int[]?)null);

        Assert.Null(child.ResultOrFail());
        Assert.Equal(0, child.ExitCode);
    }

    [Fact]
    public void RoundTrip_ObjectSlotHoldingSimpleValues_KeepsTheirTypes()
    {
        using ChildProcess<string> child = ChildProcess.Start(
            (Envelope a, Envelope b, Envelope c, Envelope d) => $"{a.Contents?.GetType().Name}={a.Contents};{b.Contents?.GetType().Name}={b.Contents};{c.Contents?.GetType().Name};{d.Contents is null}",
            new Envelope { Contents = 42L },
            new Envelope { Contents = "text" },
            new Envelope { Contents = Guid.Empty },
            new Envelope { Contents = null });

        Assert.Equal("Int64=42;String=text;Guid;True", child.ResultOrFail());
    }

    [Fact]
    public void RoundTrip_FiftyMegabyteByteArray_ArrivesAndReturnsIntact()
    {
        byte[] data = new byte[50 * 1024 * 1024];
        new Random(1234).NextBytes(data);
        string expected = Convert.ToHexString(SHA256.HashData(data));

        using ChildProcess<(string Hash, byte[] Data)> child = ChildProcess.Start(
            (byte[] d) => (Convert.ToHexString(SHA256.HashData(d)), d),
            data);
        (string hashInChild, byte[] back) = child.ResultOrFail();

        Assert.Equal(expected, hashInChild);
        Assert.Equal(data.Length, back.Length);
        Assert.Equal(expected, Convert.ToHexString(SHA256.HashData(back)));
    }

    [Fact]
    public void RoundTrip_DictionaryAndSetKeyedByRecordsStructsAndTuples_AreEqual()
    {
        var byAddress = new Dictionary<Address, int> { [new Address("a", 1)] = 1 };
        var byPoint = new Dictionary<Point, string> { [new Point(1, 2)] = "p" };
        var byTuple = new Dictionary<(int, int), int> { [(3, 4)] = 7 };
        var set = new HashSet<Address> { new("b", 2) };

        (Dictionary<Address, int>, Dictionary<Point, string>, Dictionary<(int, int), int>, HashSet<Address>) back = Echo((byAddress, byPoint, byTuple, set));

        Assert.Equal(byAddress, back.Item1);
        Assert.Equal(byPoint, back.Item2);
        Assert.Equal(byTuple, back.Item3);
        Assert.Equal(set, back.Item4);
    }

    [Fact]
    public void Result_BigInteger_ComesBack()
    {
        using ChildProcess<System.Numerics.BigInteger> child = ChildProcess.Start(() => System.Numerics.BigInteger.Pow(3, 200));

        Assert.Equal(System.Numerics.BigInteger.Pow(3, 200), child.ResultOrFail());
    }

    [Fact]
    public void RoundTrip_BigIntegersOfEverySizeAndSign_AreEqual()
    {
        System.Numerics.BigInteger huge = System.Numerics.BigInteger.Pow(7, 5000); // several kilobytes
        System.Numerics.BigInteger?[] values = [0, 1, -1, 255, -256, long.MaxValue, -huge, huge, null];
        var byValue = new Dictionary<System.Numerics.BigInteger, string> { [huge] = "huge", [-1] = "minus one" };

        Assert.Equal(huge, Echo(huge));
        Assert.Equal(-huge, Echo(-huge));
        Assert.Equal(values, Echo(values));
        Assert.Equal(byValue, Echo(byValue));
        Assert.Equal((System.Numerics.BigInteger?)null, Echo((System.Numerics.BigInteger?)null));
    }
}
