using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace MFuser.TestSupport;

/// <summary>A throw-away PKI written as PEM files: a CA, a server certificate for the IP address 127.0.0.1 only (so
/// connecting by the name <c>localhost</c> is a name mismatch) and a client
/// certificate, all signed by the CA. Made with .NET's own X.509 APIs, so tests need no openssl CLI.</summary>
public sealed class TestCertificates
{
    private TestCertificates(string dir) => Directory = dir;

    public string Directory { get; }
    public string CaFile => Path.Combine(Directory, "ca.crt");
    public string ServerCertFile => Path.Combine(Directory, "server.crt");
    public string ServerKeyFile => Path.Combine(Directory, "server.key");
    public string ClientCertFile => Path.Combine(Directory, "client.crt");
    public string ClientKeyFile => Path.Combine(Directory, "client.key");

    /// <summary>Writes the files into <paramref name="dir"/> (world-readable: mosquitto may run as its own user).
    /// <paramref name="expiredServer"/>: the server certificate's validity ended yesterday (everything else about it is
    /// right).</summary>
    public static TestCertificates Create(string dir, bool expiredServer = false)
    {
        var now = DateTimeOffset.UtcNow.AddMinutes(-5);
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=mfuser test CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, false));
        using var ca = caRequest.CreateSelfSigned(now.AddDays(-3), now.AddDays(2)); // room for an expired server certificate

        var certs = new TestCertificates(dir);
        WritePem(certs.CaFile, ca.ExportCertificatePem());
        Issue(ca, "CN=127.0.0.1", serverAuth: true, certs.ServerCertFile, certs.ServerKeyFile, expiredServer ? now.AddDays(-2) : now);
        Issue(ca, "CN=mfuser-edge test client", serverAuth: false, certs.ClientCertFile, certs.ClientKeyFile, now);
        return certs;
    }

    private static void Issue(X509Certificate2 ca, string subject, bool serverAuth, string certFile, string keyFile, DateTimeOffset notBefore)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid(serverAuth ? "1.3.6.1.5.5.7.3.1" : "1.3.6.1.5.5.7.3.2")], false));
        if (serverAuth)
        {
            var san = new SubjectAlternativeNameBuilder();
            san.AddIpAddress(IPAddress.Loopback);
            request.CertificateExtensions.Add(san.Build());
        }
        var serial = RandomNumberGenerator.GetBytes(12);
        serial[0] &= 0x7f;
        using var cert = request.Create(ca, notBefore, notBefore.AddDays(1), serial);
        WritePem(certFile, cert.ExportCertificatePem());
        WritePem(keyFile, key.ExportPkcs8PrivateKeyPem());
    }

    private static void WritePem(string path, string pem)
    {
        File.WriteAllText(path, pem + "\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
    }
}
