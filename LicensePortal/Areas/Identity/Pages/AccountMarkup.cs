using Microsoft.AspNetCore.Mvc.Rendering;
using Microsoft.AspNetCore.Mvc.ViewFeatures;
using Microsoft.AspNetCore.Razor.TagHelpers;
using Microsoft.AspNetCore.Mvc.ViewFeatures.Infrastructure;
using Microsoft.AspNetCore.Mvc.TagHelpers;
using Microsoft.AspNetCore.Html;
using MudBlazor;

namespace LicensePortal.Areas.Identity.Pages;

/// <summary>A message on an account page, drawn as MudAlert draws it (_AccountAlert.cshtml).</summary>
public sealed record AccountAlert(string Text, Severity Severity, string? Id = null);

/// <summary>
/// <c>&lt;portal-field asp-for="Input.Code" label="..." /&gt;</c>: a form field of an account page in MudTextField's
/// outlined markup (label always shrunk, as MudBlazor draws a field with a placeholder: there is no script to move it),
/// with the model's validation message as its helper text. Password fields never echo what was typed.
/// </summary>
[HtmlTargetElement("portal-field", TagStructure = TagStructure.WithoutEndTag)]
public sealed class PortalFieldTagHelper(IHtmlGenerator generator) : TagHelper
{
    [HtmlAttributeName("asp-for")]
    public Microsoft.AspNetCore.Mvc.ViewFeatures.ModelExpression For { get; set; } = default!;

    public string Label { get; set; } = "";

    /// <summary>Text under the field while it has no error (e.g. the password rules' id it refers to).</summary>
    public string? Helper { get; set; }

    public string Type { get; set; } = "text";

    public string? Autocomplete { get; set; }

    public string? Inputmode { get; set; }

    public string? Pattern { get; set; }

    public int? Minlength { get; set; }

    /// <summary>The browser shows it when the pattern does not match.</summary>
    public string? Title { get; set; }

    /// <summary>Ids of elements describing the field (aria-describedby), e.g. the password rules.</summary>
    public string? Describedby { get; set; }

    public bool Autofocus { get; set; }

    [ViewContext, HtmlAttributeNotBound]
    public ViewContext ViewContext { get; set; } = default!;

    public override void Process(TagHelperContext context, TagHelperOutput output)
    {
        var name = For.Name;
        var id = TagBuilder.CreateSanitizedId(ViewContext.ViewData.TemplateInfo.GetFullHtmlFieldName(name), "_");
        var invalid = ViewContext.ViewData.ModelState.TryGetValue(ViewContext.ViewData.TemplateInfo.GetFullHtmlFieldName(name), out var entry) && entry.Errors.Count > 0;
        var helperId = id + "-helper";
        var attributes = new Dictionary<string, object?>
        {
            ["class"] = "mud-input-slot mud-input-root mud-input-root-outlined",
            ["autocomplete"] = Autocomplete,
            ["inputmode"] = Inputmode,
            ["pattern"] = Pattern,
            ["minlength"] = Minlength,
            ["title"] = Title,
            ["aria-describedby"] = string.Join(' ', new[] { Describedby, helperId }.Where(s => !string.IsNullOrEmpty(s))),
            ["aria-invalid"] = invalid ? "true" : null,
            ["autofocus"] = Autofocus ? "autofocus" : null,
        };
        foreach (var empty in attributes.Where(a => a.Value is null).Select(a => a.Key).ToList())
        {
            attributes.Remove(empty);
        }
        var input = Type == "password"
            ? generator.GeneratePassword(ViewContext, For.ModelExplorer, name, value: null, attributes)
            : generator.GenerateTextBox(ViewContext, For.ModelExplorer, name, For.Model, format: null, attributes);
        if (Type is not ("text" or "password"))
        {
            input.MergeAttribute("type", Type, replaceExisting: true);
        }
        var message = generator.GenerateValidationMessage(ViewContext, For.ModelExplorer, name, message: null, tag: "span", htmlAttributes: null);

        var error = invalid ? " mud-input-error" : "";
        output.TagName = "div";
        output.TagMode = TagMode.StartTagAndEndTag;
        output.Attributes.SetAttribute("class", $"mud-input-control mud-input-input-control mb-4{error}");
        var content = output.Content;
        content.AppendHtml("<div class=\"mud-input-control-input-container\">");
        content.AppendHtml($"<div class=\"mud-input mud-input-outlined mud-shrink mud-typography-input{error}\">");
        content.AppendHtml(input);
        content.AppendHtml("<fieldset class=\"mud-input-outlined-border\" aria-hidden=\"true\"><legend>");
        content.Append(Label);
        content.AppendHtml("</legend></fieldset></div>");
        content.AppendHtml($"<label class=\"mud-input-label mud-input-label-animated mud-input-label-outlined mud-input-label-inputcontrol{error}\" for=\"{id}\">");
        content.Append(Label);
        content.AppendHtml("</label></div>");
        content.AppendHtml($"<div id=\"{helperId}\" class=\"mud-input-helper-text{error}\"><div class=\"d-flex\"><div class=\"me-auto\">");
        if (invalid)
        {
            content.AppendHtml(message);
        }
        else if (Helper is not null)
        {
            content.Append(Helper);
        }
        content.AppendHtml("</div></div></div>");
    }
}

/// <summary><c>&lt;portal-button&gt;Sign in&lt;/portal-button&gt;</c>: a submit button as MudButton (filled, primary) draws it.</summary>
[HtmlTargetElement("portal-button")]
public sealed class PortalButtonTagHelper : TagHelper
{
    /// <summary>"primary" (filled, the page's main action) or "error" (a destructive one) or "text" (a secondary one).</summary>
    public string Kind { get; set; } = "primary";

    public bool FullWidth { get; set; }

    public override async Task ProcessAsync(TagHelperContext context, TagHelperOutput output)
    {
        var variant = Kind == "text" ? "mud-button-text mud-button-text-primary mud-button-text-size-medium" : $"mud-button-filled mud-button-filled-{Kind} mud-button-filled-size-large";
        var label = await output.GetChildContentAsync();
        output.TagName = "button";
        output.TagMode = TagMode.StartTagAndEndTag;
        if (!output.Attributes.ContainsName("type"))
        {
            output.Attributes.SetAttribute("type", "submit");
        }
        output.Attributes.SetAttribute("class", $"mud-button-root mud-button {variant} mud-ripple{(FullWidth ? " mud-width-full" : "")}");
        output.Content.SetHtmlContent(new HtmlContentBuilder().AppendHtml("<span class=\"mud-button-label\">").AppendHtml(label).AppendHtml("</span>"));
    }
}

/// <summary>
/// <c>&lt;portal-copy value="..." id="..." /&gt;</c>: the account pages' copy button, as the Blazor pages' CopyButton draws
/// it (MudIconButton, small, the copy icon, "Copy" as its label and tooltip). These pages have no circuit: portal.js
/// copies the button's <c>data-copy</c> text and says "Copied" (or how to copy by hand) in the live region beside it;
/// no inline script, so the content security policy holds. The page loads portal.js (its Scripts section).
/// </summary>
[HtmlTargetElement("portal-copy", TagStructure = TagStructure.WithoutEndTag)]
public sealed class PortalCopyTagHelper(Microsoft.Extensions.Localization.IStringLocalizer<LicensePortal.Resources.SharedResource> text) : TagHelper
{
    /// <summary>The text to put on the clipboard.</summary>
    public string Value { get; set; } = "";

    /// <summary>What the button copies, for screen readers and the tooltip. Default: "Copy".</summary>
    public string? Label { get; set; }

    public override void Process(TagHelperContext context, TagHelperOutput output)
    {
        var id = output.Attributes.TryGetAttribute("id", out var given) ? given.Value?.ToString() ?? "copy" : "copy";
        var label = Label ?? text["Copy.Button"].Value;
        output.TagName = "span";
        output.TagMode = TagMode.StartTagAndEndTag;
        output.Attributes.RemoveAll("id");
        output.Attributes.SetAttribute("class", "portal-copy");
        var button = new TagBuilder("button");
        button.Attributes["type"] = "button";
        button.Attributes["id"] = id;
        button.Attributes["class"] = "mud-button-root mud-icon-button mud-ripple mud-ripple-icon mud-icon-button-size-small copy-button";
        button.Attributes["aria-label"] = label;
        button.Attributes["title"] = label;
        button.Attributes["data-copy"] = Value;
        button.Attributes["data-copy-status"] = id + "-status";
        button.Attributes["data-copied"] = text["Copy.Done"].Value;
        button.Attributes["data-copy-failed"] = text["Copy.Failed"].Value;
        button.InnerHtml.AppendHtml("<span class=\"mud-icon-button-label\"><svg class=\"mud-icon-root mud-svg-icon mud-inherit-text mud-icon-size-small\" focusable=\"false\" viewBox=\"0 0 24 24\" aria-hidden=\"true\">")
            .AppendHtml(Icons.Material.Filled.ContentCopy).AppendHtml("</svg></span>");
        output.Content.AppendHtml(button);
        output.Content.AppendHtml($"<span id=\"{id}-status\" class=\"mud-typography mud-typography-body2 ml-2\" role=\"status\"></span>");
    }
}
