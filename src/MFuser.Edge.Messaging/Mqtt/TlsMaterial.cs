using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MQTTnet;

namespace MFuser.Edge.Messaging.Mqtt;

/// <summary>
/// The TLS side of the link: the configured CA bundle and client certificate (loaded once, errors name the file) and
/// the check of the broker's certificate. When the check fails it records which part failed — the chain (not issued by
/// a trusted CA), the name (not issued for the host) or the validity period (expired or not yet valid) — because the
/// TLS stack itself reports every refusal as the same "rejected by the validation callback".
/// </summary>
internal sealed class TlsMaterial
{
    private readonly MqttLinkOptions _options;
    private readonly X509Certificate2Collection? _trustedCas;
    private readonly X509Certificate2Collection? _clientCertificates;
    private string? _failure;

    /// <exception cref="ArgumentException">A PEM file cannot be loaded; the message names it.</exception>
    public TlsMaterial(MqttLinkOptions options)
    {
        _options = options;
        _trustedCas = options.CaFile.Length > 0 ? LoadCas(options.CaFile) : null;
        _clientCertificates = options.ClientCertFile.Length > 0 ? [LoadClientCertificate(options.ClientCertFile, options.ClientKeyFile)] : null;
    }

    /// <summary>Why the last handshake's certificate check failed, and forgets it; null if it did not fail.</summary>
    public string? TakeFailure() => Interlocked.Exchange(ref _failure, null);

    /// <summary>Configures TLS on a connection's options.</summary>
    public void Apply(MqttClientOptionsBuilder builder) =>
        builder.WithTlsOptions(t =>
        {
            t.UseTls().WithTargetHost(_options.Host).WithCertificateValidationHandler(Validate);
            if (_clientCertificates is not null)
                t.WithClientCertificates(_clientCertificates);
        });

    private bool Validate(MqttClientCertificateValidationEventArgs e)
    {
        var problems = new List<string>();
        if (e.Certificate is null)
            problems.Add("the broker sent no certificate");
        else
        {
            using var certificate = new X509Certificate2(e.Certificate);
            if (e.SslPolicyErrors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
                problems.Add($"name: it is not issued for '{_options.Host}' (it names {Names(certificate)})");
            using var chain = BuildChain(certificate, e.Chain);
            problems.AddRange(ChainProblems(chain));
        }
        if (problems.Count == 0)
            return true;
        Volatile.Write(ref _failure, "TLS: the broker's certificate was refused: " + string.Join("; ", problems));
        return false;
    }

    /// <summary>The chain to the configured CAs (custom trust, no revocation lookups: brokers on vehicles are often
    /// offline) or, without a CA file, to the system trust store.</summary>
    private X509Chain BuildChain(X509Certificate2 certificate, X509Chain? presented)
    {
        var chain = new X509Chain();
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (_trustedCas is not null)
        {
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.AddRange(_trustedCas);
        }
        if (presented is not null)
            foreach (var element in presented.ChainElements)
                chain.ChainPolicy.ExtraStore.Add(element.Certificate);
        chain.Build(certificate);
        return chain;
    }

    private IEnumerable<string> ChainProblems(X509Chain chain)
    {
        var trust = _trustedCas is null ? "the system trust store" : $"'{_options.CaFile}'";
        foreach (var element in chain.ChainElements)
            foreach (var status in element.ChainElementStatus)
                yield return status.Status switch
                {
                    X509ChainStatusFlags.NotTimeValid =>
                        $"validity: {Subject(element.Certificate)} is valid from {element.Certificate.NotBefore.ToUniversalTime():u} " +
                        $"to {element.Certificate.NotAfter.ToUniversalTime():u}, " +
                        $"{(DateTime.UtcNow > element.Certificate.NotAfter.ToUniversalTime() ? "expired" : "not yet valid")} " +
                        $"now ({DateTime.UtcNow:u})",
                    X509ChainStatusFlags.UntrustedRoot or X509ChainStatusFlags.PartialChain =>
                        $"chain: {Subject(element.Certificate)} (issuer {element.Certificate.Issuer}) is not issued by a CA in {trust}",
                    _ => $"chain: {Subject(element.Certificate)}: {status.Status} ({status.StatusInformation.Trim()})",
                };
    }

    private static string Subject(X509Certificate2 certificate) => $"'{certificate.Subject}'";

    private static string Names(X509Certificate2 certificate)
    {
        var san = certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().FirstOrDefault();
        var names = san is null ? [] : san.EnumerateDnsNames().Concat(san.EnumerateIPAddresses().Select(a => a.ToString())).ToList();
        return names.Count > 0 ? string.Join(", ", names) : certificate.GetNameInfo(X509NameType.SimpleName, false);
    }

    private static X509Certificate2Collection LoadCas(string path)
    {
        var cas = new X509Certificate2Collection();
        try
        {
            cas.ImportFromPemFile(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
        {
            throw new ArgumentException($"CA file '{path}' cannot be read as PEM certificates: {e.Message}", e);
        }
        return cas.Count > 0 ? cas : throw new ArgumentException($"CA file '{path}' holds no PEM certificate (expected -----BEGIN CERTIFICATE-----)");
    }

    private static X509Certificate2 LoadClientCertificate(string certPath, string keyPath)
    {
        try
        {
            return X509Certificate2.CreateFromPemFile(certPath, keyPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
        {
            throw new ArgumentException($"client certificate '{certPath}' with key '{keyPath}' cannot be loaded as PEM: {e.Message}", e);
        }
    }
}
