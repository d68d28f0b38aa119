using System.Net;
using System.Net.Sockets;

namespace ImageFinder.Download;

/// <summary>Which URLs a download may request, first and after each redirect.</summary>
public static class UrlPolicy
{
    /// <summary>Parses a CSV URL; only absolute http and https URLs with a host are accepted.</summary>
    /// <returns>The URL, or null with <paramref name="problem"/> saying why not.</returns>
    public static Uri? Parse(string url, out string? problem)
    {
        if (string.IsNullOrWhiteSpace(url))
        {
            problem = "the url is empty";
            return null;
        }

        if (!Uri.TryCreate(url.Trim(), UriKind.Absolute, out var uri))
        {
            problem = "not an absolute URL";
            return null;
        }

        problem = CheckScheme(uri);
        return problem is null ? uri : null;
    }

    /// <summary>Checks a redirect hop from <paramref name="from"/> to <paramref name="to"/>; returns why it is refused, or null.</summary>
    /// <remarks>
    /// The target must be http or https with a host; https never goes back to plain http; and a public host
    /// cannot send the downloader to a loopback, private or link-local address (a redirect is the server's
    /// choice, not the CSV author's).
    /// </remarks>
    public static string? CheckRedirect(Uri from, Uri to)
    {
        if (CheckScheme(to) is { } problem)
        {
            return "redirect refused: " + problem;
        }

        if (from.Scheme == Uri.UriSchemeHttps && to.Scheme == Uri.UriSchemeHttp)
        {
            return $"redirect refused: from https to plain http ({to.GetLeftPart(UriPartial.Authority)})";
        }

        if (!IsInternal(from) && IsInternal(to))
        {
            return $"redirect refused: a public host redirected to the internal address {to.Host}";
        }

        return null;
    }

    private static string? CheckScheme(Uri uri)
    {
        if (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
        {
            return $"unsupported scheme '{uri.Scheme}': only http and https URLs are downloaded";
        }

        return string.IsNullOrEmpty(uri.Host) ? "the URL has no host" : null;
    }

    /// <summary>Loopback, private (RFC 1918, unique local), link-local or unspecified addresses, and localhost.</summary>
    private static bool IsInternal(Uri uri)
    {
        if (uri.IsLoopback || string.Equals(uri.IdnHost, "localhost", StringComparison.OrdinalIgnoreCase) || uri.IdnHost.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        return IPAddress.TryParse(uri.IdnHost.Trim('[', ']'), out var address) && IsInternal(address);
    }

    /// <summary>Loopback, private (RFC 1918, unique local), link-local, carrier-grade NAT or unspecified.</summary>
    public static bool IsInternal(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (IPAddress.IsLoopback(address) || address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any))
        {
            return true;
        }

        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            return address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6UniqueLocal;
        }

        var b = address.GetAddressBytes();
        return b[0] == 10 || (b[0] == 172 && b[1] >= 16 && b[1] <= 31) || (b[0] == 192 && b[1] == 168) || (b[0] == 169 && b[1] == 254) || b[0] == 0
            || (b[0] == 100 && b[1] >= 64 && b[1] <= 127);
    }
}
