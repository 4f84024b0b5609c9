using System.Globalization;
using System.Xml.Linq;
using Multiprocessing.Bench.Chart;

namespace Multiprocessing.Bench.Tests.Chart;

/// <summary>An SVG chart parsed back: its bars, the ratio axis's ticks and the sweeps' points, read from the geometry.</summary>
internal sealed class ParsedChart
{
    private static readonly XNamespace Svg = SvgWriter.Namespace;

    /// <exception cref="System.Xml.XmlException">The text is not well-formed XML.</exception>
    public ParsedChart(string svgText)
    {
        Document = XDocument.Parse(svgText);
        Assert.Equal(Svg + "svg", Document.Root!.Name);
        Bars = [.. Document.Descendants(Svg + "rect").Where(r => HasClass(r, "bar")).Select(r => new Bar(r))];
        Ticks = [.. Document.Descendants(Svg + "line").Where(l => l.Attribute("data-value") is not null)
            .Select(l => (Value: Number(l, "data-value"), X: Number(l, "x1")))];
        Points = [.. Document.Descendants(Svg + "circle").Where(c => HasClass(c, "point"))];
    }

    public XDocument Document { get; }

    public IReadOnlyList<Bar> Bars { get; }

    /// <summary>The ratio axis's grid lines: the ratio each stands for and its x.</summary>
    public IReadOnlyList<(double Value, double X)> Ticks { get; }

    public IReadOnlyList<XElement> Points { get; }

    /// <summary>The x of the 1× line.</summary>
    public double XOfOne => Ticks.Single(t => t.Value == 1).X;

    /// <summary>Pixels per factor of ten on the ratio axis, from the 1× and 10× ticks (or 0.1×, if there is no 10×).</summary>
    public double PixelsPerDecade =>
        Ticks.Any(t => t.Value == 10) ? Ticks.Single(t => t.Value == 10).X - XOfOne : XOfOne - Ticks.Single(t => t.Value == 0.1).X;

    /// <summary>
    /// The ratio a bar shows, from where it is drawn: a bar of a ratio above 1 starts at the 1× line and ends
    /// log10(ratio) decades to its right; one below 1 ends at the 1× line and starts log10(1/ratio) decades to its left.
    /// </summary>
    public double RatioDrawn(Bar bar)
    {
        double one = XOfOne, decade = PixelsPerDecade;
        if (bar.IsBetter)
        {
            Assert.Equal(one, bar.X, 1);
            return Math.Pow(10, bar.Width / decade);
        }

        Assert.Equal(one, bar.X + bar.Width, 1);
        return Math.Pow(10, -bar.Width / decade);
    }

    public static double Number(XElement element, string attribute) =>
        double.Parse(element.Attribute(attribute)!.Value, CultureInfo.InvariantCulture);

    private static bool HasClass(XElement element, string cssClass) =>
        element.Attribute("class")?.Value.Split(' ').Contains(cssClass) == true;

    /// <summary>One bar: what it names and where it is.</summary>
    internal sealed class Bar(XElement rect)
    {
        public string Workload { get; } = rect.Attribute("data-workload")!.Value;

        public string Metric { get; } = rect.Attribute("data-metric")!.Value;

        public string PythonMetric { get; } = rect.Attribute("data-python-metric")!.Value;

        public double X { get; } = Number(rect, "x");

        public double Width { get; } = Number(rect, "width");

        public bool IsBetter { get; } = HasClass(rect, "better");
    }
}
