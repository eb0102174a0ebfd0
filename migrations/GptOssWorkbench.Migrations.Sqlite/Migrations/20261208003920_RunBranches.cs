using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace GptOssWorkbench.Migrations.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class RunBranches : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "BranchKind",
                table: "Runs",
                type: "TEXT",
                maxLength: 16,
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "BranchOfRunId",
                table: "Runs",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "BranchPosition",
                table: "Runs",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "ForcedPrefixTokenIds",
                table: "Runs",
                type: "TEXT",
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "IX_Runs_BranchOfRunId",
                table: "Runs",
                column: "BranchOfRunId");

            migrationBuilder.AddForeignKey(
                name: "FK_Runs_Runs_BranchOfRunId",
                table: "Runs",
                column: "BranchOfRunId",
                principalTable: "Runs",
                principalColumn: "Id",
                onDelete: ReferentialAction.SetNull);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropForeignKey(
                name: "FK_Runs_Runs_BranchOfRunId",
                table: "Runs");

            migrationBuilder.DropIndex(
                name: "IX_Runs_BranchOfRunId",
                table: "Runs");

            migrationBuilder.DropColumn(
                name: "BranchKind",
                table: "Runs");

            migrationBuilder.DropColumn(
                name: "BranchOfRunId",
                table: "Runs");

            migrationBuilder.DropColumn(
                name: "BranchPosition",
                table: "Runs");

            migrationBuilder.DropColumn(
                name: "ForcedPrefixTokenIds",
                table: "Runs");
        }
    }
}
