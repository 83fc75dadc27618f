namespace CaseTracker.Api.Operations;

/// <summary>
/// The read-only dashboard: static files under /dashboard that sign in with the reader's own token
/// and draw from /api/stats, /api/cases and, for auditors, a case's event history.
/// </summary>
public static class Dashboard
{
    /// <summary>Served before authentication: the page holds no data, only the code that asks for it.</summary>
    public static void UseCaseTrackerDashboard(this WebApplication app)
    {
        // A middleware rather than an endpoint: routing ignores the trailing slash, so an endpoint
        // for "/dashboard" would also catch "/dashboard/" and redirect forever.
        app.Use((http, next) =>
        {
            if (http.Request.Path.Value != "/dashboard") return next(http);
            http.Response.Redirect("/dashboard/");
            return Task.CompletedTask;
        });
        app.UseDefaultFiles();
        app.UseStaticFiles();
    }
}
