namespace Webmail.Mail.Transfer;

/// <summary>
/// Reads a stream line by line as bytes (a line ends with LF, which it keeps). A line longer than the
/// bound is cut to it and marked <see cref="Line.Overlong"/>; the rest of it is read and dropped, so
/// memory stays bounded whatever the input.
/// </summary>
internal sealed class ByteLineReader(Stream stream, int maxLine)
{
    private readonly byte[] _buffer = new byte[64 * 1024];
    private byte[] _line = new byte[4096];
    private int _start;
    private int _end;
    private bool _eof;

    /// <summary>Lines read so far.</summary>
    public long LineNumber { get; private set; }

    /// <summary>Bytes consumed so far.</summary>
    public long Position { get; private set; }

    public readonly record struct Line(byte[] Buffer, int Length, bool Overlong, bool IsEnd)
    {
        public ReadOnlySpan<byte> Bytes => Buffer.AsSpan(0, Length);
    }

    public async ValueTask<Line> ReadLineAsync(CancellationToken cancellationToken)
    {
        var length = 0;
        var overlong = false;
        while (true)
        {
            if (_start == _end)
            {
                if (_eof)
                    break;
                _start = 0;
                _end = await stream.ReadAsync(_buffer, cancellationToken).ConfigureAwait(false);
                if (_end == 0)
                {
                    _eof = true;
                    break;
                }
            }
            var span = _buffer.AsSpan(_start, _end - _start);
            var lf = span.IndexOf((byte)'\n');
            var take = lf >= 0 ? lf + 1 : span.Length;
            var keep = Math.Min(take, maxLine - length);
            if (keep < take)
                overlong = true;
            if (keep > 0)
            {
                if (length + keep > _line.Length)
                    Array.Resize(ref _line, Math.Min(maxLine, Math.Max(_line.Length * 2, length + keep)));
                span[..keep].CopyTo(_line.AsSpan(length));
                length += keep;
            }
            _start += take;
            Position += take;
            if (lf >= 0)
            {
                LineNumber++;
                return new Line(_line, length, overlong, false);
            }
        }
        if (length == 0 && !overlong)
            return new Line(_line, 0, false, true);
        LineNumber++;
        return new Line(_line, length, overlong, false);
    }
}
