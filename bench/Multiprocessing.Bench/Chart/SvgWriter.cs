using System.Globalization;
using System.Xml;

namespace Multiprocessing.Bench.Chart;

/// <summary>
/// The few SVG elements the chart needs, written through <see cref="XmlWriter"/> (so that every text is escaped
/// and the output is well-formed XML). Coordinates are written with at most two decimals, invariantly.
/// </summary>
internal sealed class SvgWriter : IDisposable
{
    public const string Namespace = "http://www.w3.org/2000/svg";

    private readonly XmlWriter xml;

    /// <summary>Starts an <c>&lt;svg&gt;</c> document of <paramref name="width"/> × <paramref name="height"/> pixels.</summary>
    public SvgWriter(TextWriter output, double width, double height, string title)
    {
        ArgumentNullException.ThrowIfNull(output);
        xml = XmlWriter.Create(output, new XmlWriterSettings { Indent = true, OmitXmlDeclaration = true });
        xml.WriteStartElement("svg", Namespace);
        Attribute("width", width);
        Attribute("height", height);
        xml.WriteAttributeString("viewBox", $"0 0 {Number(width)} {Number(height)}");
        xml.WriteAttributeString("font-family", "DejaVu Sans, Arial, Helvetica, sans-serif");
        xml.WriteAttributeString("font-size", "11");
        xml.WriteElementString("title", Namespace, title);
    }

    /// <summary>A <c>&lt;style&gt;</c> element.</summary>
    public void Style(string css) => xml.WriteElementString("style", Namespace, css);

    /// <summary>Opens a <c>&lt;g&gt;</c> with a class and <c>data-*</c> attributes; close it with <see cref="EndGroup"/>.</summary>
    public void BeginGroup(string cssClass, params (string Name, string Value)[] data)
    {
        xml.WriteStartElement("g", Namespace);
        xml.WriteAttributeString("class", cssClass);
        Data(data);
    }

    public void EndGroup() => xml.WriteEndElement();

    /// <summary>A rectangle; <paramref name="tooltip"/>, if any, becomes its <c>&lt;title&gt;</c>.</summary>
    public void Rect(double x, double y, double width, double height, string cssClass, string? tooltip = null, params (string Name, string Value)[] data)
    {
        xml.WriteStartElement("rect", Namespace);
        xml.WriteAttributeString("class", cssClass);
        Attribute("x", x);
        Attribute("y", y);
        Attribute("width", width);
        Attribute("height", height);
        Data(data);
        Tooltip(tooltip);
        xml.WriteEndElement();
    }

    public void Line(double x1, double y1, double x2, double y2, string cssClass, params (string Name, string Value)[] data)
    {
        xml.WriteStartElement("line", Namespace);
        xml.WriteAttributeString("class", cssClass);
        Attribute("x1", x1);
        Attribute("y1", y1);
        Attribute("x2", x2);
        Attribute("y2", y2);
        Data(data);
        xml.WriteEndElement();
    }

    /// <summary>Text at (<paramref name="x"/>, <paramref name="y"/>); <paramref name="anchor"/> is <c>start</c>, <c>middle</c> or <c>end</c>.</summary>
    public void Text(double x, double y, string text, string cssClass, string anchor = "start", double rotate = 0)
    {
        xml.WriteStartElement("text", Namespace);
        xml.WriteAttributeString("class", cssClass);
        Attribute("x", x);
        Attribute("y", y);
        if (anchor != "start")
        {
            xml.WriteAttributeString("text-anchor", anchor);
        }

        if (rotate != 0)
        {
            xml.WriteAttributeString("transform", $"rotate({Number(rotate)} {Number(x)} {Number(y)})");
        }

        xml.WriteString(text);
        xml.WriteEndElement();
    }

    /// <summary>A polyline through <paramref name="points"/>.</summary>
    public void Polyline(IEnumerable<(double X, double Y)> points, string cssClass)
    {
        xml.WriteStartElement("polyline", Namespace);
        xml.WriteAttributeString("class", cssClass);
        xml.WriteAttributeString("points", string.Join(' ', points.Select(p => $"{Number(p.X)},{Number(p.Y)}")));
        xml.WriteEndElement();
    }

    public void Circle(double cx, double cy, double r, string cssClass, string? tooltip = null, params (string Name, string Value)[] data)
    {
        xml.WriteStartElement("circle", Namespace);
        xml.WriteAttributeString("class", cssClass);
        Attribute("cx", cx);
        Attribute("cy", cy);
        Attribute("r", r);
        Data(data);
        Tooltip(tooltip);
        xml.WriteEndElement();
    }

    /// <summary>Closes the document.</summary>
    public void Dispose()
    {
        xml.WriteEndElement();
        xml.Dispose();
    }

    /// <summary><paramref name="value"/> with at most two decimals, invariant culture.</summary>
    public static string Number(double value) => Math.Round(value, 2).ToString("0.##", CultureInfo.InvariantCulture);

    /// <summary><paramref name="value"/> in full (round-trip), invariant culture: for <c>data-*</c> attributes.</summary>
    public static string Exact(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private void Attribute(string name, double value) => xml.WriteAttributeString(name, Number(value));

    private void Data((string Name, string Value)[] data)
    {
        foreach ((string name, string value) in data)
        {
            xml.WriteAttributeString("data-" + name, value);
        }
    }

    private void Tooltip(string? tooltip)
    {
        if (tooltip is not null)
        {
            xml.WriteElementString("title", Namespace, tooltip);
        }
    }
}
