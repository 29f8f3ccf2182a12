using System.Globalization;
using System.Text;

namespace MFuser.TestSupport;

/// <summary>A GPS receiver on the peer side of a <see cref="PtyPair"/>: GGA and RMC sentences at 5 Hz with a fixed
/// position, today's date and the current time, until cancelled.</summary>
public static class NmeaFeed
{
    /// <summary>The position sent: 48°07.038' N, 11°34.000' E, 519.5 m.</summary>
    public const double Latitude = 48 + 7.038 / 60, Longitude = 11 + 34.0 / 60;

    public static async Task RunAsync(PtyPair pty, CancellationToken cancellationToken)
    {
        await using var port = pty.OpenPeer();
        while (!cancellationToken.IsCancellationRequested)
        {
            var now = DateTime.UtcNow;
            var time = now.ToString("HHmmss.ff", CultureInfo.InvariantCulture);
            var lines = Sentence($"GPGGA,{time},4807.0380,N,01134.0000,E,1,09,0.9,519.5,M,46.9,M,,")
                + Sentence($"GPRMC,{time},A,4807.0380,N,01134.0000,E,022.4,084.4,{now.ToString("ddMMyy", CultureInfo.InvariantCulture)},003.1,W");
            await port.WriteAsync(Encoding.ASCII.GetBytes(lines), CancellationToken.None);
            try
            {
                await Task.Delay(200, cancellationToken);
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    /// <summary>An NMEA 0183 sentence with its checksum and CR LF.</summary>
    public static string Sentence(string body) => $"${body}*{body.Aggregate(0, (x, c) => x ^ c):X2}\r\n";
}
