using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace LicensePortal.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class GridIndexes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "IX_Instances_Status_ExpiresOn_Id",
                table: "Instances",
                columns: new[] { "Status", "ExpiresOn", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_Instances_Status_UpdatedAt",
                table: "Instances",
                columns: new[] { "Status", "UpdatedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_Instances_UpdatedAt",
                table: "Instances",
                column: "UpdatedAt");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Instances_Status_ExpiresOn_Id",
                table: "Instances");

            migrationBuilder.DropIndex(
                name: "IX_Instances_Status_UpdatedAt",
                table: "Instances");

            migrationBuilder.DropIndex(
                name: "IX_Instances_UpdatedAt",
                table: "Instances");
        }
    }
}
