using CaseTracker.Api.Auth;
using CaseTracker.Api.Http;
using CaseTracker.Api.Operations;
using CaseTracker.Api.Storage;
using JasperFx;
using Wolverine;
using Wolverine.Http;

// stdout belongs to the CLI verbs (token prints only the token); logs and chatter go to stderr.
CommandLine.KeepStdoutForResults();
var builder = WebApplication.CreateBuilder(args);
builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);

builder.Services.AddCaseTrackerStorage();
builder.Host.UseWolverine(opts => opts.ConfigureCaseTracker(builder.Configuration));
builder.Services.AddWolverineHttp();
builder.Services.AddCaseTrackerAuth();
builder.Services.AddCaseTrackerHttp();
builder.Services.AddCaseTrackerApiDocs();
builder.Services.AddCaseTrackerHealth();

var app = builder.Build();

app.UseCaseTrackerHttp();
app.MapCaseTrackerHealth();
app.MapCaseTrackerApiDocs();
app.MapWolverineEndpoints(opts =>
{
    opts.RejectUnparseableQueryValues = true;
    opts.AddMiddleware(typeof(ActorMetadata), chain => chain.HttpMethods.Contains(HttpMethods.Post));
});

return await app.RunJasperFxCommands(CommandLine.Normalise(args));

/// <summary>Lets the test host boot the real application.</summary>
public partial class Program;
