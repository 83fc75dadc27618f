using CaseTracker.Api.Audit;
using CaseTracker.Api.Auth;
using CaseTracker.Api.Cases;
using CaseTracker.Api.Exhibits;
using CaseTracker.Api.Http;
using CaseTracker.Api.Notifications;
using CaseTracker.Api.Operations;
using CaseTracker.Api.Storage;
using JasperFx;
using Wolverine;
using Wolverine.Http;

// stdout belongs to the CLI verbs (token prints only the token); JasperFx's chatter goes to stderr.
CommandLine.KeepStdoutForResults();
if (TokenCommand.IsRequested(args)) return TokenCommand.Run(args);
if (AuditCommand.IsOffline(args)) return await AuditCommand.RunOffline(args);

var builder = WebApplication.CreateBuilder(args);
builder.Logging.AddCaseTrackerLogging(builder.Environment);
// A verb that serves for a moment (seed, on a loopback port) has no listening address worth telling.
if (CommandLine.IsVerb(args)) builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Warning);

builder.Services.AddCaseTrackerStorage();
builder.Services.AddCaseTrackerNotifications(builder.Configuration);
builder.Host.UseWolverine(opts => opts.ConfigureCaseTracker(builder.Configuration));
builder.Services.AddWolverineHttp();
builder.Services.AddCaseTrackerAuth();
builder.Services.AddCaseTrackerHttp();
builder.Services.AddCaseTrackerApiDocs();
builder.Services.AddCaseTrackerHealth();
builder.Services.AddCaseTrackerTelemetry();

var app = builder.Build();

app.UseCaseTrackerHttp();
app.MapCaseTrackerHealth();
app.MapCaseTrackerApiDocs();
app.MapCaseTrackerTelemetry();
app.MapWolverineEndpoints(opts =>
{
    opts.RejectUnparseableQueryValues = true;
    opts.AddPolicy<BodyRequired>();
    opts.AddParameterHandlingStrategy<QueryTimes>();
    opts.AddMiddleware(typeof(ActorMetadata), chain => chain.HttpMethods.Contains(HttpMethods.Post));
    opts.AddMiddleware(typeof(CaseWriteRules), CaseWriteRules.Applies);
    opts.AddMiddleware(typeof(ExhibitWriteRules), ExhibitWriteRules.Applies);
});

return await app.RunJasperFxCommands(CommandLine.Normalise(args));

/// <summary>Lets the test host boot the real application.</summary>
public partial class Program;
