using System.Net;
using System.Net.Http.Json;
using System.Reflection;
using System.Text;
using LicensePortal.Data;
using LicensePortal.Licensing;
using LicensePortal.Services;
using LicensePortal.Tests.Api;
using LicensePortal.Tests.Endpoints;
using LicensePortal.Tests.Infrastructure;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.StaticAssets;
using Microsoft.Extensions.DependencyInjection;

namespace LicensePortal.Tests.Security;

/// <summary>
/// Every endpoint and page the portal maps (its EndpointDataSource, and the routable components of the LicensePortal
/// assembly), asked by eight callers, against ONE hand-written table. An endpoint without its row fails, and so does a
/// row without its endpoint: a new endpoint cannot ship without someone writing down who may call it.
/// </summary>
/// <remarks>
/// The callers: <c>anon</c> nobody; <c>A</c> and <c>B</c> two customers (A owns the instance the rows ask about);
/// <c>sup</c> support staff; <c>adm</c> an administrator: these four signed in through the real sign-in page (cookie), and
/// on /api/v1 they call with a personal token of their own (the row's answer); each /api/v1 request is sent with their
/// cookie too, which must get the token's answer for a GET and <c>cookie</c> (403 Error.BearerTokenRequired, nothing
/// changed) for a change (decision 0011).
/// <c>act</c> an activation token of A's instance; <c>deact</c> the personal token of an account deactivated after it was
/// issued; <c>locked</c> the personal token of a customer (no instances) locked out by five wrong passwords after it was
/// issued: lockout stops password sign-in only, so this token acts as that customer. Tokens are only read on /api paths.
///
/// The answers (status classes; any 5xx always fails, and every /api 4xx must be application/problem+json):
/// <c>ok</c> 2xx or a 3xx that is not to the sign-in or access-denied page;
/// <c>reach</c> authorization let it through and the endpoint answered for itself: &lt; 500 and not 401, 403, 404,
/// nor a redirect to sign-in/access-denied (rows that would change state send input the endpoint refuses after
/// authorizing, or act on a throwaway object made for that one request);
/// <c>hid</c> another customer's object: 404, or for a page a 200 showing only "not found";
/// <c>off</c> 404, a page the portal does not offer; <c>login</c> 302 to the sign-in page; <c>denied</c> 302 to the
/// access-denied page; a number: exactly that status.
/// </remarks>
public sealed class AuthorizationMatrix
{
    private static readonly string[] Callers = ["anon", "A", "B", "sup", "adm", "act", "deact", "locked"];

    /// <summary>A throwaway object made before one request (its key goes into the request) and checked after it.</summary>
    private enum Fresh { None, User, Instance, ActivationToken, PersonalToken }

    /// <param name="ChangedBy">Callers whose request must change the throwaway object (delete or revoke it, deactivate
    /// the account); for everyone else it must be as it was.</param>
    private sealed record Row(string Method, string Route, string Expect, Func<World, string, HttpRequestMessage> Request, Fresh Fresh = Fresh.None, string ChangedBy = "");

    private static Row R(string method, string route, string expect, Func<World, string, HttpRequestMessage> request, Fresh fresh = Fresh.None, string changedBy = "") =>
        new(method, route, expect, request, fresh, changedBy);

    /// <summary>THE TABLE. One line per endpoint and method; the columns are <see cref="Callers"/>.</summary>
    private static readonly Row[] Table =
    [
        //                                                                    anon   A      B      sup    adm    act    deact  locked
        // ---- JSON API: accounts
        R("GET",    "/api/v1/users",                                         "401    403    403    ok     ok     403    401    403", (w, _) => Get("/api/v1/users")),
        R("POST",   "/api/v1/users",                                         "401    403    403    403    reach  403    401    403", (w, _) => Json(HttpMethod.Post, "/api/v1/users", new { userName = "", role = "User" })),
        R("DELETE", "/api/v1/users",                                         "401    403    403    403    ok     403    401    403", (w, id) => Json(HttpMethod.Delete, "/api/v1/users", new { ids = new[] { id } }), Fresh.User, "adm"),
        R("GET",    "/api/v1/users/{id}",                                    "401    ok     hid    ok     ok     403    401    hid", (w, _) => Get($"/api/v1/users/{w.UserIdA}")),
        R("PUT",    "/api/v1/users/{id}",                                    "401    403    hid    403    reach  403    401    hid", (w, _) => Json(HttpMethod.Put, $"/api/v1/users/{w.UserIdA}", new { email = "not an address" })),
        R("DELETE", "/api/v1/users/{id}",                                    "401    403    403    403    ok     403    401    403", (w, id) => Send(HttpMethod.Delete, $"/api/v1/users/{id}"), Fresh.User, "adm"),
        R("PUT",    "/api/v1/users/{id}/status",                             "401    403    403    403    ok     403    401    403", (w, id) => Json(HttpMethod.Put, $"/api/v1/users/{id}/status", new { isActive = false }), Fresh.User, "adm"),
        R("POST",   "/api/v1/users/{id}/confirmation-link",                  "401    403    403    403    reach  403    401    403", (w, _) => Send(HttpMethod.Post, $"/api/v1/users/{w.UserIdA}/confirmation-link")),
        // ---- JSON API: instances (A's instance, or a throwaway instance of A's)
        R("GET",    "/api/v1/instances",                                     "401    ok     ok     ok     ok     403    401    ok", (w, _) => Get("/api/v1/instances")),
        R("POST",   "/api/v1/instances",                                     "401    403    403    403    reach  403    401    403", (w, _) => Json(HttpMethod.Post, "/api/v1/instances", new { name = "", ownerId = w.UserIdA, expiresAt = "2099-01-01" })),
        R("DELETE", "/api/v1/instances",                                     "401    403    ok     403    ok     403    401    ok", (w, name) => Json(HttpMethod.Delete, "/api/v1/instances", new { names = new[] { name } }), Fresh.Instance, "adm"),
        R("GET",    "/api/v1/instances/{name}",                              "401    ok     hid    ok     ok     403    401    hid", (w, _) => Get($"/api/v1/instances/{w.InstanceA}")),
        R("PUT",    "/api/v1/instances/{name}",                              "401    403    hid    403    reach  403    401    hid", (w, _) => Json(HttpMethod.Put, $"/api/v1/instances/{w.InstanceA}", new { maxDesktops = -1 })),
        R("DELETE", "/api/v1/instances/{name}",                              "401    403    hid    403    ok     403    401    hid", (w, name) => Send(HttpMethod.Delete, $"/api/v1/instances/{name}"), Fresh.Instance, "adm"),
        R("POST",   "/api/v1/instances/{name}/hostinfo",                     "401    ok     hid    403    ok     ok     401    hid", (w, _) => Text(HttpMethod.Post, $"/api/v1/instances/{w.InstanceA}/hostinfo", w.HostInfoA())),
        R("POST",   "/api/v1/instances/{name}/license",                      "401    ok     hid    403    ok     ok     401    hid", (w, _) => Send(HttpMethod.Post, $"/api/v1/instances/{w.InstanceA}/license")),
        R("GET",    "/api/v1/instances/{name}/license",                      "401    ok     hid    ok     ok     ok     401    hid", (w, _) => Get($"/api/v1/instances/{w.InstanceA}/license")),
        R("GET",    "/api/v1/instances/{name}/licenses",                     "401    ok     hid    ok     ok     403    401    hid", (w, _) => Get($"/api/v1/instances/{w.InstanceA}/licenses")),
        R("GET",    "/api/v1/instances/{name}/activation-tokens",            "401    ok     hid    ok     ok     403    401    hid", (w, _) => Get($"/api/v1/instances/{w.InstanceA}/activation-tokens")),
        R("POST",   "/api/v1/instances/{name}/activation-tokens",            "401    ok     hid    403    ok     403    401    hid", (w, _) => Json(HttpMethod.Post, $"/api/v1/instances/{w.InstanceA}/activation-tokens", new { expiresInDays = 1 })),
        R("DELETE", "/api/v1/instances/{name}/activation-tokens/{id:int}",   "401    ok     hid    403    ok     403    401    hid", (w, id) => Send(HttpMethod.Delete, $"/api/v1/instances/{w.InstanceA}/activation-tokens/{id}"), Fresh.ActivationToken, "A adm"),
        R("POST",   "/api/v1/instances/{name}/pending-host/approve",         "401    403    403    403    reach  403    401    403", (w, _) => Send(HttpMethod.Post, $"/api/v1/instances/{w.InstanceA}/pending-host/approve")),
        R("POST",   "/api/v1/instances/{name}/pending-host/deny",            "401    403    403    403    reach  403    401    403", (w, _) => Send(HttpMethod.Post, $"/api/v1/instances/{w.InstanceA}/pending-host/deny")),
        R("PUT",    "/api/v1/instances/{name}/host-identifier-tolerance",    "401    403    403    403    reach  403    401    403", (w, _) => Json(HttpMethod.Put, $"/api/v1/instances/{w.InstanceA}/host-identifier-tolerance", new { hostIdentifierTolerance = 99 })),
        // ---- JSON API: personal tokens, vendor keys
        R("POST",   "/api/v1/tokens",                                        "reach  reach  reach  reach  reach  403    reach  reach", (w, _) => Json(HttpMethod.Post, "/api/v1/tokens", new { userName = "", password = "" })),
        R("GET",    "/api/v1/tokens",                                        "401    ok     ok     ok     ok     403    401    ok", (w, _) => Get("/api/v1/tokens")),
        R("DELETE", "/api/v1/tokens/{id:int}",                               "401    ok     hid    hid    ok     403    401    hid", (w, id) => Send(HttpMethod.Delete, $"/api/v1/tokens/{id}"), Fresh.PersonalToken, "A adm"),
        R("GET",    "/api/v1/vendor-keys",                                   "ok     ok     ok     ok     ok     403    ok     ok", (w, _) => Get("/api/v1/vendor-keys")),
        // ---- JSON API: webhook endpoints (administrators only; the ids asked about do not exist, so an administrator's answer is 404)
        R("GET",    "/api/v1/webhooks",                                      "401    403    403    403    ok     403    401    403", (w, _) => Get("/api/v1/webhooks")),
        R("POST",   "/api/v1/webhooks",                                      "401    403    403    403    reach  403    401    403", (w, _) => Json(HttpMethod.Post, "/api/v1/webhooks", new { url = "", events = new[] { "license.issued" } })),
        R("GET",    "/api/v1/webhooks/{id:int}",                             "401    403    403    403    404    403    401    403", (w, _) => Get("/api/v1/webhooks/999999")),
        R("PUT",    "/api/v1/webhooks/{id:int}",                             "401    403    403    403    reach  403    401    403", (w, _) => Json(HttpMethod.Put, "/api/v1/webhooks/999999", new { url = "", events = new[] { "license.issued" } })),
        R("DELETE", "/api/v1/webhooks/{id:int}",                             "401    403    403    403    404    403    401    403", (w, _) => Send(HttpMethod.Delete, "/api/v1/webhooks/999999")),
        R("GET",    "/api/v1/webhooks/{id:int}/deliveries",                  "401    403    403    403    404    403    401    403", (w, _) => Get("/api/v1/webhooks/999999/deliveries")),
        R("POST",   "/api/v1/webhooks/{id:int}/deliveries/{deliveryId:long}/redeliver", "401    403    403    403    404    403    401    403", (w, _) => Send(HttpMethod.Post, "/api/v1/webhooks/999999/deliveries/1/redeliver")),
        // ---- the API's description (public)
        R("GET",    "/openapi/{documentName}.json",                          "ok     ok     ok     ok     ok     ok     ok     ok", (w, _) => Get("/openapi/v1.json")),
        R("GET",    "/api/docs/{documentName?}",                             "ok     ok     ok     ok     ok     ok     ok     ok", (w, _) => Get("/api/docs/v1")),
        R("GET",    "/api/docs/scalar.js",                                   "ok     ok     ok     ok     ok     ok     ok     ok", (w, _) => Get("/api/docs/scalar.js")),
        R("GET",    "/api/docs/scalar.aspnetcore.js",                        "ok     ok     ok     ok     ok     ok     ok     ok", (w, _) => Get("/api/docs/scalar.aspnetcore.js")),
        R("GET",    "/api/docs/favicon.svg",                                 "ok     ok     ok     ok     ok     ok     ok     ok", (w, _) => Get("/api/docs/favicon.svg")),
        // ---- the seed's URLs (cookie only: a bearer token outside /api is no sign-in)
        R("GET",    "/download_license",                                     "login  ok     hid    403    ok     login  login  login", (w, _) => Get($"/download_license?instance={w.InstanceA}")),
        R("GET",    "/static/license/{fileName}",                            "login  ok     hid    ok     ok     login  login  login", (w, _) => Get($"/static/license/{w.InstanceA}_LICENSE")),
        R("POST",   "/upload_hostinfo",                                      "login  ok     hid    403    ok     login  login  login", (w, _) => Text(HttpMethod.Post, $"/upload_hostinfo?instance={w.InstanceA}", w.HostInfoA())),
        R("GET",    "/downloads/agent/{**fileName}",                         "login  ok     ok     ok     ok     login  login  login", (w, _) => Get("/downloads/agent/" + AgentDownloads.DownloadFileName)),
        R("GET",    "/audit/export.csv",                                     "login  denied denied denied ok     login  login  login", (w, _) => Get("/audit/export.csv")),
        // ---- public files and switches
        R("GET",    "/vendor-root.pub",                                      "ok     ok     ok     ok     ok     ok     ok     ok", (w, _) => Get("/vendor-root.pub")),
        R("GET",    "/vendor-key",                                           "ok     ok     ok     ok     ok     ok     ok     ok", (w, _) => Get("/vendor-key")),
        R("GET",    "/vendor-key/{keyId}",                                   "ok     ok     ok     ok     ok     ok     ok     ok", (w, _) => Get($"/vendor-key/{w.VendorKeyId}")),
        R("GET",    "/healthz",                                              "ok     ok     ok     ok     ok     ok     ok     ok", (w, _) => Get("/healthz")),
        R("POST",   "/healthz",                                              "ok     ok     ok     ok     ok     ok     ok     ok", (w, _) => Send(HttpMethod.Post, "/healthz")),
        R("GET",    "/healthz/live",                                         "ok     ok     ok     ok     ok     ok     ok     ok", (w, _) => Get("/healthz/live")),
        R("POST",   "/healthz/live",                                         "ok     ok     ok     ok     ok     ok     ok     ok", (w, _) => Send(HttpMethod.Post, "/healthz/live")),
        R("GET",    "/healthz/ready",                                        "ok     ok     ok     ok     ok     ok     ok     ok", (w, _) => Get("/healthz/ready")),
        R("POST",   "/healthz/ready",                                        "ok     ok     ok     ok     ok     ok     ok     ok", (w, _) => Send(HttpMethod.Post, "/healthz/ready")),
        R("GET",    "/culture/set",                                          "ok     ok     ok     ok     ok     ok     ok     ok", (w, _) => Get("/culture/set?culture=en&redirectUri=/instances")),
        R("GET",    "/{**path:file}",                                        "login  off    off    off    off    login  login  login", (w, _) => Get("/no-such-file.txt")),
        // ---- Blazor: the circuit and its helpers
        R("GET",    "/_framework/opaque-redirect",                           "login  reach  reach  reach  reach  login  login  login", (w, _) => Get("/_framework/opaque-redirect")),
        R("POST",   "/_blazor/negotiate",                                    "login  ok     ok     ok     ok     login  login  login", (w, _) => Send(HttpMethod.Post, "/_blazor/negotiate?negotiateVersion=1")),
        R("GET",    "/_blazor/negotiate",                                    "login  reach  reach  reach  reach  login  login  login", (w, _) => Get("/_blazor/negotiate?negotiateVersion=1")),
        R("GET",    "/_blazor",                                              "login  reach  reach  reach  reach  login  login  login", (w, _) => Get("/_blazor")),
        R("POST",   "/_blazor",                                              "login  reach  reach  reach  reach  login  login  login", (w, _) => Send(HttpMethod.Post, "/_blazor")),
        R("GET",    "/_blazor/disconnect",                                   "login  reach  reach  reach  reach  login  login  login", (w, _) => Get("/_blazor/disconnect/")),
        R("POST",   "/_blazor/disconnect",                                   "login  reach  reach  reach  reach  login  login  login", (w, _) => Send(HttpMethod.Post, "/_blazor/disconnect/")),
        R("GET",    "/_blazor/initializers",                                 "login  reach  reach  reach  reach  login  login  login", (w, _) => Get("/_blazor/initializers/")),
        R("POST",   "/_blazor/initializers",                                 "login  reach  reach  reach  reach  login  login  login", (w, _) => Send(HttpMethod.Post, "/_blazor/initializers/")),
        // ---- Blazor pages (GET renders; a POST without the form's antiforgery token is refused)
        R("GET",    "/",                                                     "login  ok     ok     ok     ok     login  login  login", (w, _) => Get("/")),
        R("POST",   "/",                                                     "login  400    400    400    400    login  login  login", (w, _) => Send(HttpMethod.Post, "/")),
        R("GET",    "/instances",                                            "login  ok     ok     ok     ok     login  login  login", (w, _) => Get("/instances")),
        R("POST",   "/instances",                                            "login  400    400    400    400    login  login  login", (w, _) => Send(HttpMethod.Post, "/instances")),
        R("GET",    "/add_instance",                                         "login  ok     ok     ok     ok     login  login  login", (w, _) => Get("/add_instance")),
        R("POST",   "/add_instance",                                         "login  400    400    400    400    login  login  login", (w, _) => Send(HttpMethod.Post, "/add_instance")),
        R("GET",    "/instances/{Name}",                                     "login  ok     hid    ok     ok     login  login  login", (w, _) => Get($"/instances/{w.InstanceA}")),
        R("POST",   "/instances/{Name}",                                     "login  400    400    400    400    login  login  login", (w, _) => Send(HttpMethod.Post, $"/instances/{w.InstanceA}")),
        R("GET",    "/tokens",                                               "login  ok     ok     ok     ok     login  login  login", (w, _) => Get("/tokens")),
        R("POST",   "/tokens",                                               "login  400    400    400    400    login  login  login", (w, _) => Send(HttpMethod.Post, "/tokens")),
        R("GET",    "/account/email",                                        "login  ok     ok     ok     ok     login  login  login", (w, _) => Get("/account/email")),
        R("POST",   "/account/email",                                        "login  400    400    400    400    login  login  login", (w, _) => Send(HttpMethod.Post, "/account/email")),
        R("GET",    "/users",                                                "login  denied denied ok     ok     login  login  login", (w, _) => Get("/users")),
        R("POST",   "/users",                                                "login  denied denied 400    400    login  login  login", (w, _) => Send(HttpMethod.Post, "/users")),
        R("GET",    "/create_user",                                          "login  denied denied ok     ok     login  login  login", (w, _) => Get("/create_user")),
        R("POST",   "/create_user",                                          "login  denied denied 400    400    login  login  login", (w, _) => Send(HttpMethod.Post, "/create_user")),
        R("GET",    "/support",                                              "login  denied denied ok     ok     login  login  login", (w, _) => Get("/support")),
        R("POST",   "/support",                                              "login  denied denied 400    400    login  login  login", (w, _) => Send(HttpMethod.Post, "/support")),
        R("GET",    "/audit",                                                "login  denied denied ok     ok     login  login  login", (w, _) => Get("/audit")),
        R("POST",   "/audit",                                                "login  denied denied 400    400    login  login  login", (w, _) => Send(HttpMethod.Post, "/audit")),
        R("GET",    "/vendor-keys",                                          "login  denied denied denied ok     login  login  login", (w, _) => Get("/vendor-keys")),
        R("POST",   "/vendor-keys",                                          "login  denied denied denied 400    login  login  login", (w, _) => Send(HttpMethod.Post, "/vendor-keys")),
        R("GET",    "/webhooks",                                             "login  denied denied denied ok     login  login  login", (w, _) => Get("/webhooks")),
        R("POST",   "/webhooks",                                             "login  denied denied denied 400    login  login  login", (w, _) => Send(HttpMethod.Post, "/webhooks")),
        R("GET",    "/not-found",                                            "ok     ok     ok     ok     ok     ok     ok     ok", (w, _) => Get("/not-found")),
        R("POST",   "/not-found",                                            "400    400    400    400    400    400    400    400", (w, _) => Send(HttpMethod.Post, "/not-found")),
        R("GET",    "/Error",                                                "ok     ok     ok     ok     ok     ok     ok     ok", (w, _) => Get("/Error")),
        R("POST",   "/Error",                                                "400    400    400    400    400    400    400    400", (w, _) => Send(HttpMethod.Post, "/Error")),
        // ---- Identity's pages the portal offers (a POST without the form's antiforgery token is refused). The second-factor
        // sign-in pages with no sign-in waiting for its second factor go to the sign-in page; Disable2fa and
        // GenerateRecoveryCodes for an account without two-factor sign-in go to the two-factor page (ok: a 302 there).
        R("GET",    "/Identity/Account/Login",                               "ok     ok     ok     ok     ok     ok     ok     ok", (w, _) => Get("/Identity/Account/Login")),
        R("POST",   "/Identity/Account/Login",                               "400    400    400    400    400    400    400    400", (w, _) => Send(HttpMethod.Post, "/Identity/Account/Login")),
        R("GET",    "/Identity/Account/Logout",                              "ok     ok     ok     ok     ok     ok     ok     ok", (w, _) => Get("/Identity/Account/Logout")),
        R("POST",   "/Identity/Account/Logout",                              "400    400    400    400    400    400    400    400", (w, _) => Send(HttpMethod.Post, "/Identity/Account/Logout")),
        R("GET",    "/Identity/Account/Lockout",                             "ok     ok     ok     ok     ok     ok     ok     ok", (w, _) => Get("/Identity/Account/Lockout")),
        R("POST",   "/Identity/Account/Lockout",                             "400    400    400    400    400    400    400    400", (w, _) => Send(HttpMethod.Post, "/Identity/Account/Lockout")),
        R("GET",    "/Identity/Account/AccessDenied",                        "login  ok     ok     ok     ok     login  login  login", (w, _) => Get("/Identity/Account/AccessDenied")),
        R("POST",   "/Identity/Account/AccessDenied",                        "login  400    400    400    400    login  login  login", (w, _) => Send(HttpMethod.Post, "/Identity/Account/AccessDenied")),
        R("GET",    "/Identity/Account/LoginWith2fa",                        "login  login  login  login  login  login  login  login", (w, _) => Get("/Identity/Account/LoginWith2fa")),
        R("POST",   "/Identity/Account/LoginWith2fa",                        "login  login  login  login  login  login  login  login", (w, _) => Send(HttpMethod.Post, "/Identity/Account/LoginWith2fa")),
        R("GET",    "/Identity/Account/LoginWithRecoveryCode",               "login  login  login  login  login  login  login  login", (w, _) => Get("/Identity/Account/LoginWithRecoveryCode")),
        R("POST",   "/Identity/Account/LoginWithRecoveryCode",               "login  login  login  login  login  login  login  login", (w, _) => Send(HttpMethod.Post, "/Identity/Account/LoginWithRecoveryCode")),
        R("GET",    "/Identity/Account/Manage/ChangePassword",               "login  ok     ok     ok     ok     login  login  login", (w, _) => Get("/Identity/Account/Manage/ChangePassword")),
        R("POST",   "/Identity/Account/Manage/ChangePassword",               "login  400    400    400    400    login  login  login", (w, _) => Send(HttpMethod.Post, "/Identity/Account/Manage/ChangePassword")),
        R("GET",    "/Identity/Account/Manage/TwoFactorAuthentication",      "login  ok     ok     ok     ok     login  login  login", (w, _) => Get("/Identity/Account/Manage/TwoFactorAuthentication")),
        R("POST",   "/Identity/Account/Manage/TwoFactorAuthentication",      "login  400    400    400    400    login  login  login", (w, _) => Send(HttpMethod.Post, "/Identity/Account/Manage/TwoFactorAuthentication")),
        R("GET",    "/Identity/Account/Manage/EnableAuthenticator",          "login  ok     ok     ok     ok     login  login  login", (w, _) => Get("/Identity/Account/Manage/EnableAuthenticator")),
        R("POST",   "/Identity/Account/Manage/EnableAuthenticator",          "login  400    400    400    400    login  login  login", (w, _) => Send(HttpMethod.Post, "/Identity/Account/Manage/EnableAuthenticator")),
        R("GET",    "/Identity/Account/Manage/ResetAuthenticator",           "login  ok     ok     ok     ok     login  login  login", (w, _) => Get("/Identity/Account/Manage/ResetAuthenticator")),
        R("POST",   "/Identity/Account/Manage/ResetAuthenticator",           "login  400    400    400    400    login  login  login", (w, _) => Send(HttpMethod.Post, "/Identity/Account/Manage/ResetAuthenticator")),
        R("GET",    "/Identity/Account/Manage/Disable2fa",                   "login  ok     ok     ok     ok     login  login  login", (w, _) => Get("/Identity/Account/Manage/Disable2fa")),
        R("POST",   "/Identity/Account/Manage/Disable2fa",                   "login  ok     ok     ok     ok     login  login  login", (w, _) => Send(HttpMethod.Post, "/Identity/Account/Manage/Disable2fa")),
        R("GET",    "/Identity/Account/Manage/GenerateRecoveryCodes",        "login  ok     ok     ok     ok     login  login  login", (w, _) => Get("/Identity/Account/Manage/GenerateRecoveryCodes")),
        R("POST",   "/Identity/Account/Manage/GenerateRecoveryCodes",        "login  ok     ok     ok     ok     login  login  login", (w, _) => Send(HttpMethod.Post, "/Identity/Account/Manage/GenerateRecoveryCodes")),
        R("GET",    "/Identity/Account/Manage/ShowRecoveryCodes",            "login  ok     ok     ok     ok     login  login  login", (w, _) => Get("/Identity/Account/Manage/ShowRecoveryCodes")),
        R("POST",   "/Identity/Account/Manage/ShowRecoveryCodes",            "login  400    400    400    400    login  login  login", (w, _) => Send(HttpMethod.Post, "/Identity/Account/Manage/ShowRecoveryCodes")),
        // The e-mail confirmation link's page: anyone with the link (it shows "not valid" without a valid token).
        R("GET",    "/Identity/Account/ConfirmEmail",                        "ok     ok     ok     ok     ok     ok     ok     ok", (w, _) => Get("/Identity/Account/ConfirmEmail?userId=x&code=y")),
        R("POST",   "/Identity/Account/ConfirmEmail",                        "400    400    400    400    400    400    400    400", (w, _) => Send(HttpMethod.Post, "/Identity/Account/ConfirmEmail")),
        // /Identity/Account/Manage and .../Manage/Index send the signed-in to the change-password page
        R("GET",    "/Identity/Account/Manage",                              "login  ok     ok     ok     ok     login  login  login", (w, _) => Get("/Identity/Account/Manage")),
        R("POST",   "/Identity/Account/Manage",                              "login  ok     ok     ok     ok     login  login  login", (w, _) => Send(HttpMethod.Post, "/Identity/Account/Manage")),
        R("GET",    "/Identity/Account/Manage/Index",                        "login  ok     ok     ok     ok     login  login  login", (w, _) => Get("/Identity/Account/Manage/Index")),
        R("POST",   "/Identity/Account/Manage/Index",                        "login  ok     ok     ok     ok     login  login  login", (w, _) => Send(HttpMethod.Post, "/Identity/Account/Manage/Index")),
        // ---- Identity's pages the portal does not offer: 404 to everyone, whatever the method
        .. Off("/Identity/Account/ConfirmEmailChange"),
        .. Off("/Identity/Account/ExternalLogin"),
        .. Off("/Identity/Account/ForgotPassword"),
        .. Off("/Identity/Account/ForgotPasswordConfirmation"),
        .. Off("/Identity/Account/Register"),
        .. Off("/Identity/Account/RegisterConfirmation"),
        .. Off("/Identity/Account/ResendEmailConfirmation"),
        .. Off("/Identity/Account/ResetPassword"),
        .. Off("/Identity/Account/ResetPasswordConfirmation"),
        // (the Manage pages need a signed-in user first: authorization runs before the portal's page rules)
        .. OffWhenSignedIn("/Identity/Account/Manage/DeletePersonalData"),
        .. OffWhenSignedIn("/Identity/Account/Manage/DownloadPersonalData"),
        .. OffWhenSignedIn("/Identity/Account/Manage/Email"),
        .. OffWhenSignedIn("/Identity/Account/Manage/ExternalLogins"),
        .. OffWhenSignedIn("/Identity/Account/Manage/PersonalData"),
        .. OffWhenSignedIn("/Identity/Account/Manage/SetPassword"),
        // Identity UI's own error page (outside /Identity/Account): harmless, shown to anyone
        R("GET",    "/Identity/Error",                                       "ok     ok     ok     ok     ok     ok     ok     ok", (w, _) => Get("/Identity/Error")),
        R("POST",   "/Identity/Error",                                       "400    400    400    400    400    400    400    400", (w, _) => Send(HttpMethod.Post, "/Identity/Error")),
    ];

    // A POST to a page that is off is a 400: the 404 is re-executed as /not-found with the request's method, and that
    // page's POST has no antiforgery token. The GET row is the one that shows the page is off.
    private static Row[] Off(string route) =>
    [
        R("GET", route, "off    off    off    off    off    off    off    off", (w, _) => Get(route)),
        R("POST", route, "400    400    400    400    400    400    400    400", (w, _) => Send(HttpMethod.Post, route)),
    ];

    private static Row[] OffWhenSignedIn(string route) =>
    [
        R("GET", route, "login  off    off    off    off    login  login  login", (w, _) => Get(route)),
        R("POST", route, "login  400    400    400    400    login  login  login", (w, _) => Send(HttpMethod.Post, route)),
    ];

    [SkippableTheory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task Every_endpoint_and_page_answers_each_caller_as_the_table_says(DatabaseProvider provider)
    {
        TestDatabases.SkipIfUnavailable(provider);
        await using var database = await TestDatabases.CreateAsync(provider);
        await using var world = await World.CreateAsync(database);

        var endpoints = world.Factory.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>().ToList();
        var failures = new List<string>();
        failures.AddRange(Coverage(endpoints));

        foreach (var row in Table)
        {
            var expected = row.Expect.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            Assert.True(expected.Length == Callers.Length, $"{row.Method} {row.Route}: {expected.Length} answers for {Callers.Length} callers");
            var api = row.Route.StartsWith("/api/v1", StringComparison.Ordinal);
            for (var i = 0; i < Callers.Length; i++)
            {
                var caller = Callers[i];
                var signedIn = world.Cookies.ContainsKey(caller);
                // The API is for tokens: the four signed-in callers ask it with their own personal token (their rights are the
                // row's), and the same request with their cookie is checked against the cookie rule below.
                var client = api && signedIn ? world.Tokens[caller] : signedIn ? world.Cookies[caller] : world.Clients[caller];
                await AskAsync(world, row, caller, client, expected[i], ChangedBy(row, caller), failures);
                if (api && signedIn)
                {
                    // Decision 0011: the cookie reads (the same answer as the token's); a change riding on it is refused, whatever
                    // the caller's rights, and changes nothing. Endpoints open to anyone (the password exchange) ignore it.
                    var readsOrOpen = row.Method == "GET" || expected[0] == "reach";
                    await AskAsync(world, row, caller + " (cookie)", world.Cookies[caller], readsOrOpen ? expected[i] : "cookie",
                        readsOrOpen && ChangedBy(row, caller), failures);
                }
            }
        }

        // Static assets (MapStaticAssets: the build's CSS, scripts, fonts) are public, all of them: their endpoints say so.
        // They are not requested: the in-memory host runs as Production without the files' build-time copies.
        var assets = endpoints.Where(e => e.Metadata.GetMetadata<StaticAssetDescriptor>() is not null).ToList();
        Assert.NotEmpty(assets);
        failures.AddRange(assets.Where(a => a.Metadata.GetMetadata<Microsoft.AspNetCore.Authorization.IAllowAnonymous>() is null)
            .Select(a => $"static asset {a.RoutePattern.RawText} is not public"));

        Assert.True(failures.Count == 0, $"{failures.Count} answers differ from the table:\n" + string.Join("\n", failures));
    }

    private static bool ChangedBy(Row row, string caller) => row.ChangedBy.Split(' ', StringSplitOptions.RemoveEmptyEntries).Contains(caller);

    /// <summary>Sends the row's request (with a throwaway object of its own) and records what differs from the expectation.</summary>
    private static async Task AskAsync(World world, Row row, string caller, HttpClient client, string expected, bool mustChange, List<string> failures)
    {
        var key = row.Fresh == Fresh.None ? "" : await world.FreshAsync(row.Fresh);
        using var request = row.Request(world, key);
        using var response = await client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        if (Mismatch(expected, request, response, body) is { } why)
        {
            failures.Add($"{row.Method} {row.Route} as {caller}: expected {expected}, {why}");
        }
        if (row.Fresh != Fresh.None && await world.ChangedAsync(row.Fresh, key) != mustChange)
        {
            failures.Add($"{row.Method} {row.Route} as {caller}: the throwaway {row.Fresh} was {(mustChange ? "not " : "")}changed");
        }
    }

    /// <summary>Every endpoint has its rows (GET and POST for one that takes any method), and every row its endpoint.</summary>
    private static IEnumerable<string> Coverage(IReadOnlyList<RouteEndpoint> endpoints)
    {
        var rows = Table.Select(r => (r.Method, Route: Normalize(r.Route))).ToHashSet();
        var mapped = new HashSet<(string Method, string Route)>();
        foreach (var endpoint in endpoints.Where(e => e.Metadata.GetMetadata<StaticAssetDescriptor>() is null))
        {
            var route = Normalize(endpoint.RoutePattern.RawText ?? "");
            var methods = endpoint.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods.Where(m => m != "HEAD").ToList() is { Count: > 0 } listed
                ? listed
                : ["GET", "POST"];
            foreach (var method in methods)
            {
                mapped.Add((method, route));
                if (!rows.Contains((method, route)))
                {
                    yield return $"{method} {route} ({endpoint.DisplayName}) has no row in the table: write down who may call it";
                }
            }
        }
        // Routable components: the pages the router knows, whether or not an endpoint was mapped for them.
        var pages = typeof(Program).Assembly.GetTypes()
            .Where(t => typeof(IComponent).IsAssignableFrom(t))
            .SelectMany(t => t.GetCustomAttributes<RouteAttribute>())
            .Select(a => Normalize(a.Template));
        foreach (var page in pages.Where(p => !rows.Contains(("GET", p))))
        {
            yield return $"page {page} has no GET row in the table";
        }
        foreach (var row in rows.Where(r => !mapped.Contains(r)))
        {
            yield return $"row {row.Method} {row.Route} matches no endpoint: remove it or fix its route";
        }
    }

    private static string Normalize(string route)
    {
        var trimmed = "/" + route.Trim('/');
        return trimmed;
    }

    /// <summary>Null when the answer is in the expected class; otherwise what was seen.</summary>
    private static string? Mismatch(string expected, HttpRequestMessage request, HttpResponseMessage response, string body)
    {
        var status = (int)response.StatusCode;
        var location = response.Headers.Location?.OriginalString ?? "";
        var seen = $"got {status}{(location.Length > 0 ? " to " + location : "")}: {Shorten(body)}";
        var toLogin = status == 302 && location.Contains("/Identity/Account/Login", StringComparison.Ordinal);
        var toDenied = status == 302 && location.Contains("/Identity/Account/AccessDenied", StringComparison.Ordinal);
        var notFoundPage = status == 200 && body.Contains("id=\"instance-not-found\"", StringComparison.Ordinal);
        if (status >= 500)
        {
            return seen;
        }
        if (status >= 400 && request.RequestUri!.OriginalString.StartsWith("/api/", StringComparison.Ordinal)
            && response.Content.Headers.ContentType?.MediaType != "application/problem+json")
        {
            return $"{seen} (an /api error without application/problem+json)";
        }
        var ok = expected switch
        {
            "ok" => status is >= 200 and < 400 && !toLogin && !toDenied && !notFoundPage,
            "reach" => status < 500 && status is not (401 or 403 or 404) && !toLogin && !toDenied,
            "hid" => status == 404 || notFoundPage,
            "off" => status == 404,
            "login" => toLogin,
            "denied" => toDenied,
            "cookie" => status == 403 && body.Contains("\"Error.BearerTokenRequired\"", StringComparison.Ordinal),
            _ when int.TryParse(expected, out var exact) => status == exact,
            _ => throw new InvalidOperationException($"unknown expectation {expected}"),
        };
        return ok ? null : seen;
    }

    private static string Shorten(string body)
    {
        var flat = body.ReplaceLineEndings(" ");
        return flat.Length <= 160 ? flat : flat[..160] + "…";
    }

    private static HttpRequestMessage Get(string path) => new(HttpMethod.Get, path);

    private static HttpRequestMessage Send(HttpMethod method, string path) => new(method, path);

    private static HttpRequestMessage Json(HttpMethod method, string path, object body) => new(method, path) { Content = JsonContent.Create(body) };

    private static HttpRequestMessage Text(HttpMethod method, string path, string text) =>
        new(method, path) { Content = new StringContent(text, Encoding.UTF8, "text/plain") };

    /// <summary>The portal on one database, the objects the rows name, and one client per caller (signed in once).</summary>
    private sealed class World : IAsyncDisposable
    {
        private readonly DirectoryInfo _agentFolder = Directory.CreateTempSubdirectory("lp-matrix-agent-");
        private int _fresh;

        private World(TestDatabase database)
        {
            File.WriteAllBytes(Path.Combine(_agentFolder.FullName, AgentDownloads.PublishedFileName), [0x7f, 0x45, 0x4c, 0x46]);
            Factory = new PortalWebFactory(database, new Dictionary<string, string>
            {
                // The matrix asks the same endpoints many times from one address: no limit may answer for the rules.
                ["RateLimits:SignInPermitLimit"] = "10000",
                ["RateLimits:DownloadPermitLimit"] = "10000",
                ["Licensing:DownloadLimit"] = "10000",
                ["Agent:DownloadDirectory"] = _agentFolder.FullName,
            });
        }

        public PortalWebFactory Factory { get; }

        /// <summary>The callers that are not signed in: anonymous and the three tokens.</summary>
        public Dictionary<string, HttpClient> Clients { get; } = [];

        /// <summary>A, B, sup, adm signed in through the sign-in page (cookie).</summary>
        public Dictionary<string, HttpClient> Cookies { get; } = [];

        /// <summary>A, B, sup, adm with a personal token each, for the API.</summary>
        public Dictionary<string, HttpClient> Tokens { get; } = [];

        public string InstanceA { get; } = "matrix-a1";

        public string UserIdA { get; private set; } = "";

        public string VendorKeyId { get; private set; } = "";

        private PortalActor A { get; set; } = null!;

        private PortalActor Admin { get; set; } = null!;

        private HostKey HostKeyA { get; } = HostKey.Generate();

        /// <summary>A fresh host info file of A's host (the same host key every time: an accepted re-upload).</summary>
        public string HostInfoA() => ApiTestKit.HostInfo(InstanceA, HostKeyA);

        public static async Task<World> CreateAsync(TestDatabase database)
        {
            var world = new World(database);
            await world.SetUpAsync();
            return world;
        }

        private async Task SetUpAsync()
        {
            const string password = "Matr1x-Passw0rd!";
            var factory = Factory;
            Admin = await factory.AdminAsync();
            (A, _) = await factory.CreateUserAsync("matrix-a", password: password);
            UserIdA = A.UserId;
            var (b, _) = await factory.CreateUserAsync("matrix-b", password: password);
            var (support, _) = await factory.CreateUserAsync("matrix-support", PortalRole.Support, password);
            var (admin, _) = await factory.CreateUserAsync("matrix-admin", PortalRole.Administrator, password);
            var (gone, _) = await factory.CreateUserAsync("matrix-gone", password: password);
            var (locked, _) = await factory.CreateUserAsync("matrix-locked", password: password);

            await ApiTestKit.InstanceAsync(factory, InstanceA, A);
            await ApiTestKit.InstanceAsync(factory, "matrix-b1", b);
            var upload = await factory.Services.GetRequiredService<HostInfoIntake>().UploadAsync(A, InstanceA, Encoding.UTF8.GetBytes(HostInfoA()));
            Assert.True(upload.Succeeded && upload.Value!.Accepted);
            Assert.True((await factory.Services.GetRequiredService<LicenseService>().GenerateAsync(A, InstanceA, "127.0.0.1")).Succeeded);
            VendorKeyId = factory.Services.GetRequiredService<VendorKeyStore>().CurrentInfo.KeyId;

            Clients["anon"] = ApiTestKit.Anonymous(factory);
            foreach (var (caller, actor) in new[] { ("A", A), ("B", b), ("sup", support), ("adm", admin) })
            {
                var browser = factory.CreateBrowser();
                using var signIn = await PortalWebFactory.SignInAsync(browser, actor.UserName, password);
                Assert.True(SignInTests.HasAuthCookie(signIn), $"{actor.UserName} was not signed in");
                Cookies[caller] = browser;
                Tokens[caller] = ApiTestKit.WithToken(factory, await ApiTestKit.TokenAsync(factory, actor));
            }
            Clients["act"] = ApiTestKit.WithToken(factory, await ApiTestKit.ActivationTokenAsync(factory, InstanceA));

            var goneToken = await ApiTestKit.TokenAsync(factory, gone);
            Assert.True((await factory.Services.GetRequiredService<UserAdminService>().SetActiveAsync(Admin, gone.UserId, active: false)).Succeeded);
            Clients["deact"] = ApiTestKit.WithToken(factory, goneToken);

            // Locked out the way an attacker does it: five wrong passwords on the sign-in page, after the token was issued.
            var lockedToken = await ApiTestKit.TokenAsync(factory, locked);
            var attacker = factory.CreateBrowser();
            for (var attempt = 0; attempt < 5; attempt++)
            {
                using var wrong = await PortalWebFactory.SignInAsync(attacker, "matrix-locked", "Wr0ng-Passw0rd!");
            }
            await using (var scope = factory.Services.CreateAsyncScope())
            {
                var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
                Assert.True(await users.IsLockedOutAsync((await users.FindByIdAsync(locked.UserId))!), "five wrong passwords did not lock the account");
            }
            Clients["locked"] = ApiTestKit.WithToken(factory, lockedToken);
        }

        /// <summary>Makes the row's throwaway object; returns what the request names it by.</summary>
        public async Task<string> FreshAsync(Fresh fresh)
        {
            var n = Interlocked.Increment(ref _fresh);
            var services = Factory.Services;
            switch (fresh)
            {
                case Fresh.User:
                    var (user, _) = await Factory.CreateUserAsync($"matrix-throwaway-{n}");
                    return user.UserId;
                case Fresh.Instance:
                    return (await ApiTestKit.InstanceAsync(Factory, $"matrix-throwaway-{n}", A)).Name;
                case Fresh.ActivationToken:
                    var activation = await services.GetRequiredService<ActivationTokenService>().CreateActivationAsync(Admin, InstanceA, 1);
                    return activation.Value!.Token.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
                case Fresh.PersonalToken:
                    var personal = await services.GetRequiredService<ApiTokenService>().CreatePersonalAsync(A, $"matrix-{n}", 1);
                    return personal.Value!.Token.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
                default:
                    throw new ArgumentOutOfRangeException(nameof(fresh));
            }
        }

        /// <summary>Whether the request changed the throwaway object: deleted, revoked, or (a user) deactivated.</summary>
        public async Task<bool> ChangedAsync(Fresh fresh, string key)
        {
            var services = Factory.Services;
            switch (fresh)
            {
                case Fresh.User:
                    var user = await services.GetRequiredService<UserAdminService>().GetAsync(Admin, key);
                    return user is null || !user.IsActive;
                case Fresh.Instance:
                    return await services.GetRequiredService<InstanceService>().FindByNameAsync(Admin, key) is null;
                case Fresh.ActivationToken:
                    var activation = await services.GetRequiredService<ActivationTokenService>().ListActivationAsync(Admin, InstanceA);
                    return activation.Value!.Single(t => t.Id == int.Parse(key, System.Globalization.CultureInfo.InvariantCulture)).RevokedAt is not null;
                case Fresh.PersonalToken:
                    var personal = await services.GetRequiredService<ApiTokenService>().ListPersonalAsync(A);
                    return personal.Single(t => t.Id == int.Parse(key, System.Globalization.CultureInfo.InvariantCulture)).RevokedAt is not null;
                default:
                    throw new ArgumentOutOfRangeException(nameof(fresh));
            }
        }

        public async ValueTask DisposeAsync()
        {
            foreach (var client in Clients.Values.Concat(Cookies.Values).Concat(Tokens.Values))
            {
                client.Dispose();
            }
            await Factory.DisposeAsync();
            _agentFolder.Delete(recursive: true);
        }
    }
}
