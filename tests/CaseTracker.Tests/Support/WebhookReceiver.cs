using System.Collections.Concurrent;
using System.Net;

namespace CaseTracker.Tests.Support;

/// <summary>
/// A webhook receiver on a loopback port: records every delivery, and answers 500 to the first
/// deliveries of a path told to fail. Each test uses a path of its own.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly ConcurrentQueue<Delivery> _deliveries = new();
    private readonly Dictionary<string, int> _failuresLeft = [];
    private readonly Task _loop;

    public WebhookReceiver()
    {
        Root = $"http://127.0.0.1:{Ports.Free()}/";
        _listener.Prefixes.Add(Root);
        _listener.Start();
        _loop = Task.Run(Serve);
    }

    public string Root { get; }

    /// <summary>A fresh path on this receiver.</summary>
    public string NewUrl() => $"{Root}hooks/{Guid.NewGuid():N}";

    /// <summary>The next <paramref name="times"/> deliveries to this URL answer 500.</summary>
    public void Fail(string url, int times)
    {
        lock (_failuresLeft) _failuresLeft[new Uri(url).AbsolutePath] = times;
    }

    /// <summary>Every delivery to this URL so far, failed ones included, in the order they came.</summary>
    public IReadOnlyList<Delivery> To(string url) => [.. _deliveries.Where(x => x.Path == new Uri(url).AbsolutePath)];

    private async Task Serve()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            using var body = new MemoryStream();
            await context.Request.InputStream.CopyToAsync(body);
            var path = context.Request.Url!.AbsolutePath;
            var fail = false;
            lock (_failuresLeft)
            {
                if (_failuresLeft.TryGetValue(path, out var left) && left > 0)
                {
                    _failuresLeft[path] = left - 1;
                    fail = true;
                }
            }

            var status = fail ? 500 : 204;
            _deliveries.Enqueue(new Delivery(path, context.Request.ContentType, context.Request.Headers["X-CaseTracker-Signature"], body.ToArray(), status));
            context.Response.StatusCode = status;
            context.Response.Close();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        await _loop;
    }
}

public sealed record Delivery(string Path, string? ContentType, string? Signature, byte[] Body, int Answered);
