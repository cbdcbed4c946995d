using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace LicensePortal.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class InternationalPhoneNumbers : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Phone numbers in E.164 ("+" and up to 15 digits, 16 characters; the seed's column was 11). SQLite's TEXT has
            // no length, so only the model's maximum changes; stored 11-digit numbers stay as they are.
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
        }
    }
}
