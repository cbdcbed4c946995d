using LicensePortal.Resources;
using LicensePortal.Services;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.AspNetCore.Mvc.ModelBinding.Validation;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Localization;

namespace LicensePortal.Accounts;

/// <summary>
/// The Razor pages' door of <see cref="StorableText"/> (the sign-in page and Identity's pages): every bound string is
/// validated by the rule, so such text is the field's validation message (the pages check ModelState before they look
/// anything up) and the answer is 400.
/// </summary>
public static class StorableFormText
{
    private const string RefusedKey = "LicensePortal.UnstorableFormText";

    public static IServiceCollection AddStorableFormText(this IServiceCollection services) =>
        services.Configure<MvcOptions>(o =>
        {
            o.ModelValidatorProviders.Insert(0, new ValidatorProvider());
            o.Filters.Add(new StatusFilter());
        });

    private sealed class ValidatorProvider : IModelValidatorProvider
    {
        public void CreateValidators(ModelValidatorProviderContext context)
        {
            if (context.ModelMetadata.ModelType == typeof(string))
            {
                context.Results.Add(new ValidatorItem { Validator = new Validator(), IsReusable = true });
            }
        }
    }

    private sealed class Validator : IModelValidator
    {
        public IEnumerable<ModelValidationResult> Validate(ModelValidationContext context)
        {
            if (context.Model is string value && !StorableText.IsStorable(value))
            {
                var http = context.ActionContext.HttpContext;
                http.Items[RefusedKey] = true;
                var text = http.RequestServices.GetRequiredService<IStringLocalizer<SharedResource>>();
                return [new ModelValidationResult("", text[StorableText.ErrorCode])];
            }
            return [];
        }
    }

    /// <summary>A page shown again because of such text answers 400, like the API.</summary>
    private sealed class StatusFilter : IAsyncPageFilter
    {
        public Task OnPageHandlerSelectionAsync(PageHandlerSelectedContext context) => Task.CompletedTask;

        public async Task OnPageHandlerExecutionAsync(PageHandlerExecutingContext context, PageHandlerExecutionDelegate next)
        {
            var executed = await next();
            if (context.HttpContext.Items.ContainsKey(RefusedKey) && executed.Result is PageResult or null)
            {
                context.HttpContext.Response.StatusCode = StatusCodes.Status400BadRequest;
            }
        }
    }
}
