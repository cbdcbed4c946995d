using System.Globalization;
using LicensePortal.Options;

namespace LicensePortal.Commands;

/// <summary>The command line after the sub-command: "--name value" pairs, each name once and known.</summary>
internal sealed class KeysArguments
{
    private readonly Dictionary<string, string> _values;

    private KeysArguments(Dictionary<string, string> values) => _values = values;

    public static KeysArguments Parse(string[] args, string[] allowed)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i];
            var inline = name.IndexOf('=', StringComparison.Ordinal);
            string? value = null;
            if (name.StartsWith("--", StringComparison.Ordinal) && inline > 0)
            {
                value = name[(inline + 1)..];
                name = name[..inline];
            }
            if (!allowed.Contains(name, StringComparer.Ordinal))
            {
                throw new KeysUsageException(name.StartsWith('-') ? $"Unknown option '{name}'." : $"Unexpected argument '{name}'.");
            }
            if (value is null)
            {
                if (i + 1 >= args.Length)
                {
                    throw new KeysUsageException($"{name} needs a value.");
                }
                value = args[++i];
            }
            if (value.Length == 0)
            {
                throw new KeysUsageException($"{name} needs a value.");
            }
            if (!values.TryAdd(name, value))
            {
                throw new KeysUsageException($"{name} is given twice.");
            }
        }
        return new KeysArguments(values);
    }

    public string Required(string name) => _values.TryGetValue(name, out var value) ? value : throw new KeysUsageException($"{name} is required.");

    public string? Optional(string name) => _values.GetValueOrDefault(name);

    /// <summary><c>--valid-days N</c> as a validity, or Licensing:CertificateValidity without it.</summary>
    public TimeSpan ValidDays(LicensingOptions options)
    {
        if (Optional("--valid-days") is not { } value)
        {
            return options.CertificateValidity;
        }
        return int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var days) && days is >= 1 and <= KeysCommand.MaxValidDays
            ? TimeSpan.FromDays(days)
            : throw new KeysUsageException($"--valid-days '{value}' is not a whole number of days from 1 to {KeysCommand.MaxValidDays}.");
    }
}

/// <summary>The command line is wrong: the message says how, and the usage follows it.</summary>
internal sealed class KeysUsageException(string message) : Exception(message);
